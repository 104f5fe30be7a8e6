/**
 * What building the 429's error costs on the Effect 4 line (Node 22): the whole `SkyWire.decodeError` of the
 * bench's 429, core's classification alone, the Schema class's constructor on the same props (`construct`), and,
 * for comparison only, an instance made without the constructor (`Object.create` on the prototype and the props
 * assigned): what a trusted constructor could save.
 *
 *   $N22 --import tsx packages/effect4/bench/errorCost.ts [iterations]
 */
import { wholeBody } from "../../core/src/boundedBody.js"
import * as Classify from "../../core/src/classify.js"
import { construct } from "../src/internal/construct.js"
import { propsOf } from "../src/internal/decode.js"
import * as SkyError from "../src/SkyError.js"
import * as SkyWire from "../src/SkyWire.js"

const n = Number(process.argv[2] ?? "20000")
const wire = SkyWire.encodeError(
  new SkyError.RpmLimitExceeded({ message: "requests per minute limit reached", requestId: "0123456789abcdef0123456789abcdef" })
)
const input = {
  status: wire.status,
  headers: { ...wire.headers, "content-type": "application/json", "content-length": String(wire.body.length) },
  body: wire.body
}
const options = {
  method: "POST",
  url: "http://127.0.0.1:45075/v1/chat/completions",
  secrets: ["sk-bench-0123456789"],
  now: Date.now(),
  attempts: []
}
const { tag, fields } = Classify.classifyError(input, { ...options, attempts: [] })
const props = propsOf(fields)
const proto = SkyError.classes[tag].prototype

const bypass = (): unknown => {
  const error = Object.create(proto)
  Object.assign(error, props)
  return error
}

const bytes = new TextEncoder().encode(wire.body)
const cases: Record<string, () => unknown> = {
  "SkyWire.decodeError (classify + construct)": () => SkyWire.decodeError(input, options),
  "the same, the body as statusError passes it (bytes read whole)": () =>
    SkyWire.decodeError({ ...input, body: wholeBody(bytes) }, options),
  "core classifyError alone": () => Classify.classifyError(input, { ...options, attempts: [] }),
  "construct (capFields + Schema class constructor)": () => construct(tag, props),
  "Object.create bypass (no Error constructor, no checks)": bypass
}
for (let round = 0; round < 6; round++) {
  for (const [name, f] of Object.entries(cases)) {
    const start = process.cpuUsage()
    for (let i = 0; i < n; i++) f()
    const used = process.cpuUsage(start)
    if (round >= 3) console.log(`${name}: ${((used.user + used.system) / n).toFixed(2)} µs`)
  }
}
