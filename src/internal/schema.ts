/**
 * Schema building blocks shared by the surface modules: lenient structs that
 * keep unknown fields, nullable and defaulted fields.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"

/** Unknown fields are kept: users may need vendor extensions. */
export const preserve: SchemaAST.ParseOptions = { onExcessProperty: "preserve" }

/** A struct that keeps unknown fields when decoded (the option travels with the schema as an annotation). */
export const struct = <Fields extends Schema.Struct.Fields>(fields: Fields): Schema.Struct<Fields> =>
  Schema.Struct(fields).annotations({ parseOptions: preserve })

/** The index signature of an open struct. */
export const ExtraFields = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/** A struct whose type also admits extra fields (for requests that carry vendor parameters). */
export const open = <Fields extends Schema.Struct.Fields>(
  fields: Fields
): Schema.TypeLiteral<Fields, readonly [typeof ExtraFields]> =>
  Schema.Struct(fields, ExtraFields).annotations({ parseOptions: preserve })

/** A field the server may omit or send as null. */
export const nullable = <S extends Schema.Schema.Any>(schema: S): Schema.optional<Schema.NullOr<S>> =>
  Schema.optional(Schema.NullOr(schema))

/** An array the server may omit or send as null, decoded as `[]`. */
export const arrayOrEmpty = <S extends Schema.Schema.Any>(
  schema: S
): Schema.optionalWith<Schema.Array$<S>, { nullable: true; default: () => [] }> =>
  Schema.optionalWith(Schema.Array(schema), { nullable: true, default: () => [] })
