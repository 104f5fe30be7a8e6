/**
 * Schema building blocks shared by the surface modules: lenient structs that keep unknown fields, nullable and
 * defaulted fields.
 *
 * Effect 4's Schema has no `onExcessProperty: "preserve"` (only `"ignore"`, which drops unknown keys, and
 * `"error"`), and parse options given at the call site beat annotations. So a struct keeps unknown fields by
 * carrying them in its shape: `StructWithRest(Struct(fields), [Record(String, Unknown)])`, whose record takes every
 * key the struct does not declare, whatever option the caller passes.
 *
 * @internal
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"

/** The index signature of an open struct: any other key, any value. */
export const ExtraFields: Schema.$Record<Schema.String, Schema.Unknown> = Schema.Record(Schema.String, Schema.Unknown)

/**
 * A struct that keeps unknown fields when decoded (at runtime a `StructWithRest`), typed as the closed struct: its
 * `Type` has no index signature, so a typo in a field name does not compile (as on the Effect 3 line). Read an
 * unknown field through a cast.
 */
export interface struct<Fields extends Schema.Struct.Fields> extends
  Schema.Codec<
    Schema.Struct<Fields>["Type"],
    Schema.Struct<Fields>["Encoded"],
    Schema.Struct<Fields>["DecodingServices"],
    Schema.Struct<Fields>["EncodingServices"]
  >
{}

/** A struct that keeps unknown fields when decoded; its type is the closed struct (see {@link struct}). */
export const struct = <const Fields extends Schema.Struct.Fields>(fields: Fields): struct<Fields> =>
  // The cast only forgets the index signature of the type (TypeScript cannot relate the two generic types).
  Schema.StructWithRest(Schema.Struct(fields), [ExtraFields]) as unknown as struct<Fields>

/** An open struct: the struct plus any other field, in its type too (for requests that carry vendor parameters). */
export type open<Fields extends Schema.Struct.Fields> = Schema.StructWithRest<
  Schema.Struct<Fields>,
  readonly [typeof ExtraFields]
>

/** A struct whose type also admits extra fields (for requests that carry vendor parameters). */
export const open = <const Fields extends Schema.Struct.Fields>(fields: Fields): open<Fields> =>
  Schema.StructWithRest(Schema.Struct(fields), [ExtraFields])

/** A field the server may omit or send as null. */
export const nullable = <S extends Schema.Top>(schema: S): Schema.optional<Schema.NullOr<S>> =>
  Schema.optional(Schema.NullOr(schema))

/** A field the server may omit or send as null (or `undefined`), decoded as `fallback()` then. */
export interface orDefault<S extends Schema.Top>
  extends Schema.decodeTo<Schema.toType<S>, Schema.optional<Schema.NullOr<S>>>
{}

/** A field the server may omit or send as null (or `undefined`), decoded as `fallback()` then. */
export const orDefault = <S extends Schema.Top>(schema: S, fallback: () => S["Type"]): orDefault<S> =>
  Schema.optional(Schema.NullOr(schema)).pipe(
    Schema.decodeTo(Schema.toType(schema), {
      decode: SchemaGetter.transformOptional((o: Option.Option<S["Type"] | null | undefined>) =>
        Option.some(Option.isSome(o) && o.value !== null && o.value !== undefined ? o.value : fallback())
      ),
      encode: SchemaGetter.passthroughSubtype<S["Type"] | null | undefined, S["Type"]>()
    })
  )

/** An array the server may omit or send as null, decoded as `[]`. */
export const arrayOrEmpty = <S extends Schema.Top>(schema: S): orDefault<Schema.$Array<S>> =>
  orDefault(Schema.Array(schema), () => [])

/** A string the server may omit or send as null, decoded as `""`. */
export const stringOrEmpty: orDefault<Schema.String> = orDefault(Schema.String, () => "")

/** A string that is none of `known`: the fallback member of a union whose other members are the known types. */
export const otherThan = (known: ReadonlyArray<string>): Schema.String =>
  Schema.String.check(
    Schema.makeFilter((type: string) => known.includes(type) ? `a type other than ${known.join(", ")}` : undefined)
  )
