// The OpenAPI schemas of request bodies, built from the classes' class-validator rules (class-validator-jsonschema),
// so the request libraries stay framework-free and /docs cannot drift from what the validation pipe enforces.
import type { OpenAPIObject } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { IS_OBJECT, ValidationTypes } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';

const REF = '#/components/schemas/';

/** Examples and descriptions per schema and property: documentation only, never a rule. */
export type SchemaNotes = Record<string, Record<string, { description?: string; example?: unknown }>>;

/**
 * Replaces the schemas of the given request classes, and of every class they nest, with the ones their validation
 * rules describe (types, enums, patterns, lengths, ranges, required), then adds the notes. A note naming a schema
 * or a property that does not exist throws, so notes cannot outlive a renamed field.
 */
export function describeRequestBodies(
  document: OpenAPIObject,
  roots: { name: string }[],
  notes: SchemaNotes = {},
): OpenAPIObject {
  const all = validationMetadatasToSchemas({
    refPointerPrefix: REF,
    classTransformerMetadataStorage: defaultMetadataStorage,
    // A custom rule (e.g. no control characters) has no JSON Schema form; the type comes from the other rules.
    // @IsObject only goes with a nested class, whose $ref already says "object" (a sibling of $ref is ignored).
    additionalConverters: { [ValidationTypes.CUSTOM_VALIDATION]: {}, [IS_OBJECT]: {} },
  }) as unknown as Record<string, SchemaObject>;
  const wanted = new Set<string>();
  const visit = (name: string): void => {
    if (wanted.has(name)) {
      return;
    }
    if (!all[name]) {
      throw new Error(`describeRequestBodies: ${name} has no validation rules`);
    }
    wanted.add(name);
    for (const ref of JSON.stringify(all[name]).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)) {
      visit(ref[1]);
    }
  };
  roots.forEach((root) => visit(root.name));
  const schemas = { ...(document.components?.schemas ?? {}) };
  for (const name of wanted) {
    const schema = structuredClone(all[name]);
    for (const [property, note] of Object.entries(notes[name] ?? {})) {
      const target = schema.properties?.[property] as SchemaObject | undefined;
      if (!target) {
        throw new Error(`describeRequestBodies: ${name} has no property ${property}`);
      }
      Object.assign(target, note);
    }
    schemas[name] = schema;
  }
  for (const name of Object.keys(notes)) {
    if (!wanted.has(name)) {
      throw new Error(`describeRequestBodies: notes for ${name}, which is not a request body here`);
    }
  }
  return { ...document, components: { ...document.components, schemas } };
}
