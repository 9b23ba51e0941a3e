// FromSchema: the TypeScript type of a JSON Schema written `as const`, for the subset of JSON
// Schema that client/schemas.ts uses: type (one or a list, with 'null'), const, enum, properties
// with required, additionalProperties (a schema: a record), items, anyOf. Anything else is unknown.

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type RequiredKeys<S> = S extends { readonly required: readonly (infer R)[] } ? R & string : never;

type ObjectOf<S> = S extends { readonly properties: infer P }
  ? Simplify<
    { -readonly [K in keyof P as K extends RequiredKeys<S> ? K : never]: FromSchema<P[K]> }
    & { -readonly [K in keyof P as K extends RequiredKeys<S> ? never : K]?: FromSchema<P[K]> }>
  : S extends { readonly additionalProperties: infer A extends object } ? Record<string, FromSchema<A>>
    : Record<string, unknown>;

type ByType<T, S> =
  T extends 'string' ? string
    : T extends 'number' | 'integer' ? number
      : T extends 'boolean' ? boolean
        : T extends 'null' ? null
          : T extends 'array' ? (S extends { readonly items: infer I } ? Array<FromSchema<I>> : unknown[])
            : T extends 'object' ? ObjectOf<S>
              : never;

export type FromSchema<S> =
  S extends { readonly const: infer C } ? C
    : S extends { readonly enum: readonly (infer E)[] } ? E
      : S extends { readonly anyOf: readonly (infer A)[] } ? FromSchema<A>
        : S extends { readonly type: readonly (infer T)[] } ? ByType<T, S>
          : S extends { readonly type: infer T } ? ByType<T, S>
            : unknown;
