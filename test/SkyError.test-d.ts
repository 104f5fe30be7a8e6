import { Effect, Match, Schema } from "effect"
import { describe, expectTypeOf, it } from "vitest"
import { SkyError } from "../src/index.js"

declare const call: Effect.Effect<string, SkyError.SkyError>
declare const error: SkyError.SkyError

const ok = <T extends string>(tag: T) => () => Effect.succeed(tag)

const tagHandlers = {
  UnclassifiedLlmError: ok("UnclassifiedLlmError"),
  UpstreamUnavailable: ok("UpstreamUnavailable"),
  UpstreamTimeout: ok("UpstreamTimeout"),
  InvalidModelParameter: ok("InvalidModelParameter"),
  RequestParseFailed: ok("RequestParseFailed"),
  ResponseParseFailed: ok("ResponseParseFailed"),
  RpmLimitExceeded: ok("RpmLimitExceeded"),
  TpmLimitExceeded: ok("TpmLimitExceeded"),
  InvalidApiKey: ok("InvalidApiKey"),
  ModelAccessDenied: ok("ModelAccessDenied"),
  AccountOverdue: ok("AccountOverdue"),
  ModelNotFound: ok("ModelNotFound"),
  InternalError: ok("InternalError"),
  ClientClosedRequest: ok("ClientClosedRequest"),
  UnknownGatewayError: ok("UnknownGatewayError"),
  ConnectionError: ok("ConnectionError"),
  RequestTimeout: ok("RequestTimeout"),
  InvalidRequest: ok("InvalidRequest"),
  InvalidResponse: ok("InvalidResponse")
}

type ErrorOf<T> = T extends Effect.Effect<any, infer E, any> ? E : never

describe("Effect.catchTags", () => {
  it("all 19 handlers leave E never", () => {
    const handled = call.pipe(Effect.catchTags(tagHandlers))
    expectTypeOf<ErrorOf<typeof handled>>().toEqualTypeOf<never>()
  })

  it("leaving one out leaves exactly that tag", () => {
    const { TpmLimitExceeded: _omitted, ...rest } = tagHandlers
    const handled = call.pipe(Effect.catchTags(rest))
    expectTypeOf<ErrorOf<typeof handled>>().toEqualTypeOf<SkyError.TpmLimitExceeded>()

    const { UnknownGatewayError: _u, ...rest2 } = tagHandlers
    const handled2 = call.pipe(Effect.catchTags(rest2))
    expectTypeOf<ErrorOf<typeof handled2>>().toEqualTypeOf<SkyError.UnknownGatewayError>()
  })

  it("handlers see the narrowed error", () => {
    call.pipe(Effect.catchTags({
      RpmLimitExceeded: (e) => {
        expectTypeOf(e).toEqualTypeOf<SkyError.RpmLimitExceeded>()
        expectTypeOf(e.code).toEqualTypeOf<2007>()
        return Effect.succeed("")
      }
    }))
  })
})

describe("SkyError.handleAll", () => {
  it("all 19 handlers give E never", () => {
    const handled = call.pipe(SkyError.handleAll(tagHandlers))
    expectTypeOf<ErrorOf<typeof handled>>().toEqualTypeOf<never>()
    expectTypeOf(handled).toEqualTypeOf<
      Effect.Effect<
        | string
        | "UnclassifiedLlmError"
        | "UpstreamUnavailable"
        | "UpstreamTimeout"
        | "InvalidModelParameter"
        | "RequestParseFailed"
        | "ResponseParseFailed"
        | "RpmLimitExceeded"
        | "TpmLimitExceeded"
        | "InvalidApiKey"
        | "ModelAccessDenied"
        | "AccountOverdue"
        | "ModelNotFound"
        | "InternalError"
        | "ClientClosedRequest"
        | "UnknownGatewayError"
        | "ConnectionError"
        | "RequestTimeout"
        | "InvalidRequest"
        | "InvalidResponse",
        never,
        never
      >
    >()
  })

  it("inline handlers see the narrowed error", () => {
    const handled = call.pipe(SkyError.handleAll({
      ...tagHandlers,
      RpmLimitExceeded: (e) => {
        expectTypeOf(e).toEqualTypeOf<SkyError.RpmLimitExceeded>()
        return Effect.succeed(0)
      }
    }))
    expectTypeOf<ErrorOf<typeof handled>>().toEqualTypeOf<never>()
  })

  it("a missing handler is a compile error", () => {
    const { TpmLimitExceeded: _omitted, ...rest } = tagHandlers
    // @ts-expect-error TpmLimitExceeded has no handler
    call.pipe(SkyError.handleAll(rest))
  })

  it("an unknown key is a compile error", () => {
    // @ts-expect-error NotATag is not a tag of SkyError
    call.pipe(SkyError.handleAll({ ...tagHandlers, NotATag: ok("NotATag") }))
  })

  it("a handler that fails with E2 gives E = E2", () => {
    class E2 {
      readonly _tag = "E2"
    }
    const handled = call.pipe(SkyError.handleAll({
      ...tagHandlers,
      InvalidApiKey: () => Effect.fail(new E2())
    }))
    expectTypeOf<ErrorOf<typeof handled>>().toEqualTypeOf<E2>()
  })
})

describe("group refinements with Effect.catchIf", () => {
  it("isBadRequest", () => {
    const r = call.pipe(Effect.catchIf(SkyError.isBadRequest, () => Effect.succeed("")))
    expectTypeOf<ErrorOf<typeof r>>().toEqualTypeOf<Exclude<SkyError.SkyError, SkyError.BadRequest>>()
  })
  it("isFailedDependency", () => {
    const r = call.pipe(Effect.catchIf(SkyError.isFailedDependency, () => Effect.succeed("")))
    expectTypeOf<ErrorOf<typeof r>>().toEqualTypeOf<Exclude<SkyError.SkyError, SkyError.FailedDependency>>()
  })
  it("isTooManyRequests", () => {
    const r = call.pipe(Effect.catchIf(SkyError.isTooManyRequests, () => Effect.succeed("")))
    expectTypeOf<ErrorOf<typeof r>>().toEqualTypeOf<Exclude<SkyError.SkyError, SkyError.TooManyRequests>>()
    expectTypeOf<SkyError.TooManyRequests>().toEqualTypeOf<SkyError.RpmLimitExceeded | SkyError.TpmLimitExceeded>()
  })
  it("isUnauthorized", () => {
    const r = call.pipe(Effect.catchIf(SkyError.isUnauthorized, () => Effect.succeed("")))
    expectTypeOf<ErrorOf<typeof r>>().toEqualTypeOf<Exclude<SkyError.SkyError, SkyError.Unauthorized>>()
  })
  it("isForbidden", () => {
    const r = call.pipe(Effect.catchIf(SkyError.isForbidden, () => Effect.succeed("")))
    expectTypeOf<ErrorOf<typeof r>>().toEqualTypeOf<Exclude<SkyError.SkyError, SkyError.Forbidden>>()
  })
  it("isClientFailure", () => {
    const r = call.pipe(Effect.catchIf(SkyError.isClientFailure, () => Effect.succeed("")))
    expectTypeOf<ErrorOf<typeof r>>().toEqualTypeOf<Exclude<SkyError.SkyError, SkyError.ClientFailure>>()
  })
})

describe("group types follow groups", () => {
  it("each group is the union of its members' classes", () => {
    expectTypeOf<SkyError.BadRequest>().toEqualTypeOf<
      SkyError.UnclassifiedLlmError | SkyError.InvalidModelParameter | SkyError.RequestParseFailed | SkyError.ModelNotFound
    >()
    expectTypeOf<SkyError.FailedDependency>().toEqualTypeOf<
      SkyError.UpstreamUnavailable | SkyError.UpstreamTimeout | SkyError.ResponseParseFailed
    >()
    expectTypeOf<SkyError.Unauthorized>().toEqualTypeOf<SkyError.InvalidApiKey>()
    expectTypeOf<SkyError.Forbidden>().toEqualTypeOf<SkyError.ModelAccessDenied | SkyError.AccountOverdue>()
    expectTypeOf<SkyError.ClientFailure>().toEqualTypeOf<
      SkyError.ConnectionError | SkyError.RequestTimeout | SkyError.InvalidRequest | SkyError.InvalidResponse
    >()
    expectTypeOf<SkyError.TooManyRequests>().toEqualTypeOf<SkyError.RpmLimitExceeded | SkyError.TpmLimitExceeded>()
  })
})

describe("types", () => {
  it("the table classes are distinct and keep their literal tag and code", () => {
    expectTypeOf<SkyError.RpmLimitExceeded>().not.toEqualTypeOf<SkyError.TpmLimitExceeded>()
    expectTypeOf<SkyError.RpmLimitExceeded["_tag"]>().toEqualTypeOf<"RpmLimitExceeded">()
    expectTypeOf(SkyError.RpmLimitExceeded.meta.code).toEqualTypeOf<2007>()
    expectTypeOf(new SkyError.RpmLimitExceeded()).toEqualTypeOf<SkyError.RpmLimitExceeded>()
    expectTypeOf<Schema.Schema.Type<typeof SkyError.SkyError>>().toEqualTypeOf<SkyError.SkyError>()
    expectTypeOf<Schema.Schema.Type<typeof SkyError.ModelNotFound>>().toEqualTypeOf<SkyError.ModelNotFound>()
  })


  it("Tag equals SkyError['_tag']", () => {
    expectTypeOf<SkyError.Tag>().toEqualTypeOf<SkyError.SkyError["_tag"]>()
    expectTypeOf<SkyError.SkyError["_tag"]>().toEqualTypeOf<SkyError.Tag>()
  })

  it("a table class's code is its literal", () => {
    expectTypeOf<SkyError.RpmLimitExceeded["code"]>().toEqualTypeOf<2007>()
    expectTypeOf<SkyError.InvalidApiKey["code"]>().toEqualTypeOf<2101>()
    expectTypeOf<SkyError.Code>().toEqualTypeOf<
      2001 | 2002 | 2003 | 2004 | 2005 | 2006 | 2007 | 2008 | 2101 | 2102 | 2103 | 2104 | 2105 | 2106
    >()
  })
})

describe("Match.valueTags (what replaced SkyError.match)", () => {
  const cases = {
    UnclassifiedLlmError: () => 1,
    UpstreamUnavailable: () => 2,
    UpstreamTimeout: () => 3,
    InvalidModelParameter: () => 4,
    RequestParseFailed: () => 5,
    ResponseParseFailed: () => 6,
    RpmLimitExceeded: () => 7,
    TpmLimitExceeded: () => 8,
    InvalidApiKey: () => 9,
    ModelAccessDenied: () => 10,
    AccountOverdue: () => 11,
    ModelNotFound: () => 12,
    InternalError: () => 13,
    ClientClosedRequest: () => 14,
    UnknownGatewayError: () => 15,
    ConnectionError: () => 16,
    RequestTimeout: () => 17,
    InvalidRequest: () => 18,
    InvalidResponse: () => 19
  }

  it("accepts every tag", () => {
    Match.valueTags(error, cases)
    Match.valueTags(error, {
      ...cases,
      RpmLimitExceeded: (e) => {
        expectTypeOf(e).toEqualTypeOf<SkyError.RpmLimitExceeded>()
        return 0
      }
    })
  })

  it("requires every tag", () => {
    const { InvalidResponse: _omitted, ...rest } = cases
    // @ts-expect-error InvalidResponse has no case
    Match.valueTags(error, rest)
  })

  it("rejects an unknown key", () => {
    // @ts-expect-error NotATag is not a tag
    Match.valueTags(error, { ...cases, NotATag: () => 0 })
  })
})
