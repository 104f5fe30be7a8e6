/**
 * Fast type checks for the surfaces' schemas, without Effect: each line reads its own Schema AST into a `Shape`
 * (the few kinds of node the surfaces use), and `checkOf` turns a shape into a plain predicate.
 *
 * The predicate is generated code (one function per struct and per array, every field's check inline), which V8
 * compiles like hand-written checks, where a tree of closures has call sites that see every kind of node: a
 * 10,000-chunk stream cost 4-10 % less CPU per chunk (bench/findings.md). Where code cannot be generated (a runtime
 * that forbids `new Function`, as Cloudflare Workers do), the same shape is checked by that tree of closures.
 *
 * @internal
 */

/**
 * The type side of a schema, as far as a check needs it. `other` is a node the line's own Schema checks (a
 * refinement, a recursive schema, ...).
 *
 * @internal
 */
export type Shape =
  | { readonly kind: "string" | "number" | "boolean" | "any" | "undefined" }
  | { readonly kind: "literal"; readonly value: string | number | boolean | null }
  | { readonly kind: "union"; readonly members: ReadonlyArray<Shape> }
  | { readonly kind: "array"; readonly item: Shape }
  | { readonly kind: "object"; readonly properties: ReadonlyArray<Property> }
  | { readonly kind: "other"; readonly is: (u: unknown) => boolean }

/**
 * One property of an object shape: an object that keeps unknown keys (an index signature of any string key, any
 * value), so only these are checked.
 *
 * @internal
 */
export interface Property {
  readonly name: string
  readonly optional: boolean
  readonly shape: Shape
}

/**
 * A reader of a line's schema AST into shapes: `read` reads one node, through `shapeOf` for the nodes under it; a
 * node met twice (a schema used in two places) is read once and is one shape.
 *
 * @internal
 */
export const shapeReader = <Node>(read: (node: Node, shapeOf: (node: Node) => Shape) => Shape): (root: Node) => Shape =>
(root) => {
  const seen = new Map<Node, Shape>()
  const shapeOf = (node: Node): Shape => {
    let shape = seen.get(node)
    if (shape === undefined) {
      shape = read(node, shapeOf)
      seen.set(node, shape)
    }
    return shape
  }
  return shapeOf(root)
}

/** @internal */
export const primitive = (kind: "string" | "number" | "boolean" | "any" | "undefined"): Shape => ({ kind })

/**
 * A predicate for `shape`: generated code where the runtime allows it, else the tree of closures.
 *
 * @internal
 */
export const checkOf = (shape: Shape): (u: unknown) => boolean => generated(shape) ?? interpreted(shape)

const hasOwn = Object.prototype.hasOwnProperty

/**
 * A name an object inherits (`toString`, ...) must be looked up as an own key; any other name is absent exactly
 * when reading it gives `undefined` and the key is not there.
 */
const inherited = (name: string): boolean => name in Object.prototype

/**
 * The generated predicate, or `undefined` where `new Function` is refused. Names and literals enter the code only
 * as JSON string literals (and finite numbers), so no property name of a schema can change the code's meaning.
 *
 * @internal
 */
export const generated = (shape: Shape): ((u: unknown) => boolean) | undefined => {
  const functions: Array<string> = []
  const others: Array<(u: unknown) => boolean> = []
  const named = new Map<Shape, string>()
  /** A function for `shape` (made once per shape), whose body checks its argument `u`. */
  const fn = (node: Shape, body: () => string): string => {
    let name = named.get(node)
    if (name === undefined) {
      name = `check${named.size}`
      named.set(node, name)
      functions.push(`function ${name}(u) {\n${body()}\n}`)
    }
    return name
  }
  /** A boolean expression: whether the variable `x` has `node`'s shape. */
  const expr = (node: Shape, x: string): string => {
    switch (node.kind) {
      case "string":
      case "number":
      case "boolean":
        return `typeof ${x} === "${node.kind}"`
      case "any":
        return "true"
      case "undefined":
        return `${x} === undefined`
      case "literal":
        return typeof node.value === "number" && !Number.isFinite(node.value)
          ? other((u) => u === node.value, x)
          : `${x} === ${JSON.stringify(node.value)}`
      case "union":
        return `(${node.members.map((m) => expr(m, x)).join(" || ")})`
      case "array":
        return `${
          fn(node, () =>
            [
              "if (!Array.isArray(u)) return false",
              `for (let i = 0; i < u.length; i++) { const v = u[i]; if (!(${expr(node.item, "v")})) return false }`,
              "return true"
            ].join("\n"))
        }(${x})`
      case "object":
        return `${
          fn(node, () => {
            const lines = ["if (typeof u !== \"object\" || u === null || Array.isArray(u)) return false", "let v"]
            for (const p of node.properties) {
              const key = JSON.stringify(p.name)
              const absent = inherited(p.name) ? `!hasOwn.call(u, ${key})` : `v === undefined && !hasOwn.call(u, ${key})`
              lines.push(`v = u[${key}]`)
              lines.push(
                p.optional
                  ? `if (!(${absent}) && !(${expr(p.shape, "v")})) return false`
                  : `if (${absent} || !(${expr(p.shape, "v")})) return false`
              )
            }
            lines.push("return true")
            return lines.join("\n")
          })
        }(${x})`
      case "other":
        return other(node.is, x)
    }
  }
  const other = (is: (u: unknown) => boolean, x: string): string => {
    others.push(is)
    return `others[${others.length - 1}](${x})`
  }
  const top = expr(shape, "u")
  const source = `"use strict"\nconst hasOwn = Object.prototype.hasOwnProperty\n${functions.join("\n")}\nreturn (u) => ${top}`
  try {
    return new Function("others", source)(others) as (u: unknown) => boolean
  } catch {
    return undefined
  }
}

/**
 * The same predicate as a tree of closures, for runtimes that refuse generated code.
 *
 * @internal
 */
export const interpreted = (shape: Shape): (u: unknown) => boolean => {
  switch (shape.kind) {
    case "string":
    case "number":
    case "boolean": {
      const kind = shape.kind
      return (u) => typeof u === kind
    }
    case "any":
      return () => true
    case "undefined":
      return (u) => u === undefined
    case "literal": {
      const value = shape.value
      return (u) => u === value
    }
    case "union": {
      const members = shape.members.map(interpreted)
      return (u) => {
        for (let i = 0; i < members.length; i++) if (members[i]!(u)) return true
        return false
      }
    }
    case "array": {
      const item = interpreted(shape.item)
      return (u) => {
        if (!Array.isArray(u)) return false
        for (let i = 0; i < u.length; i++) if (!item(u[i])) return false
        return true
      }
    }
    case "object": {
      const properties = shape.properties.map((p) => ({
        name: p.name,
        optional: p.optional,
        inherited: inherited(p.name),
        is: interpreted(p.shape)
      }))
      return (u) => {
        if (typeof u !== "object" || u === null || Array.isArray(u)) return false
        const record = u as Record<string, unknown>
        for (let i = 0; i < properties.length; i++) {
          const p = properties[i]!
          const value = record[p.name]
          if ((value === undefined || p.inherited) && !hasOwn.call(u, p.name)) {
            if (p.optional) continue
            return false
          }
          if (!p.is(value)) return false
        }
        return true
      }
    }
    case "other":
      return shape.is
  }
}
