import { z } from 'zod';
import { DETAIL_TYPES, type DetailType, EVENT_CATALOG, eventEnvelopeSchemaFor } from './catalog.ts';
import { EVENT_SOURCE } from './envelope.ts';

/*
 * Published forms of the catalog: JSON Schema 2020-12 documents (docs/events/*.schema.json, for
 * partners) and EventBridge schema-registry content (OpenAPI 3, for code bindings).
 */

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

export type JsonSchema = z.core.JSONSchema.BaseSchema;

/** `$id` of one detail-type's envelope schema. A URN: it names the schema without promising a host. */
export function eventSchemaId(type: DetailType): string {
  return `urn:quartermaster:events:${type}:v${EVENT_CATALOG[type].version}`;
}

/** File name under docs/events/; the version is in the name so versions can be published side by side. */
export function eventSchemaFileName(type: DetailType): string {
  return `${type}.v${EVENT_CATALOG[type].version}.schema.json`;
}

/*
 * Zod marks every object `additionalProperties: false` in output mode. The published contract allows
 * additive changes within a version, so a consumer validating with today's schema must accept
 * tomorrow's extra fields: objects are left open.
 */
function openObjects(ctx: { jsonSchema: JsonSchema }): void {
  if (ctx.jsonSchema.additionalProperties === false) delete ctx.jsonSchema.additionalProperties;
}

function convert(type: DetailType, target: 'draft-2020-12' | 'openapi-3.0' | 'draft-04'): JsonSchema {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(eventEnvelopeSchemaFor(type), {
    target,
    io: 'output',
    unrepresentable: 'throw',
    override: openObjects,
  });
  // Inline only: registry content has no `$defs`, and self-contained files are easier for partners.
  if (JSON.stringify(schema).includes('"$ref"')) {
    throw new Error(`The ${type} schema produced a $ref; give shared schemas no registry id`);
  }
  return schema;
}

/** JSON Schema (draft 2020-12) of the full envelope (the EventBridge `detail`) of one detail-type. */
export function eventJsonSchema(type: DetailType): JsonSchema {
  const entry = EVENT_CATALOG[type];
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: eventSchemaId(type),
    title: `${type} v${entry.version}`,
    description: entry.description,
    ...convert(type, 'draft-2020-12'),
  };
}

/** Every detail-type's JSON Schema, in catalog order. */
export function eventJsonSchemas(): { type: DetailType; fileName: string; schema: JsonSchema }[] {
  return DETAIL_TYPES.map((type) => ({
    type,
    fileName: eventSchemaFileName(type),
    schema: eventJsonSchema(type),
  }));
}

export type SchemaRegistryType = 'OpenApi3' | 'JSONSchemaDraft4';

/** `$schema` of the registry's JSONSchemaDraft4 documents. */
export const JSON_SCHEMA_DRAFT4_DIALECT = 'http://json-schema.org/draft-04/schema#';

export interface SchemaRegistryEntry {
  /** SchemaName, in the registry's `<source>@<detail-type>` convention. */
  name: string;
  /** Schema type as `AWS::EventSchemas::Schema` accepts it (OpenApi3 or JSONSchemaDraft4). */
  type: SchemaRegistryType;
  description: string;
  /** The OpenAPI 3 or JSON Schema (draft 4) document, as the string `Content` expects. */
  content: string;
  detailType: DetailType;
  version: number;
}

/** EventBridge's standard wrapper around `detail`, as the registry shows discovered AWS events. */
function awsEventWrapper(type: DetailType): JsonSchema {
  return {
    type: 'object',
    required: ['detail-type', 'resources', 'detail', 'id', 'source', 'time', 'region', 'version', 'account'],
    'x-amazon-events-detail-type': type,
    'x-amazon-events-source': EVENT_SOURCE,
    properties: {
      detail: { $ref: `#/components/schemas/${type}` },
      account: { type: 'string' },
      'detail-type': { type: 'string' },
      id: { type: 'string' },
      region: { type: 'string' },
      resources: { type: 'array', items: { type: 'string' } },
      source: { type: 'string' },
      time: { type: 'string', format: 'date-time' },
      version: { type: 'string' },
    },
  };
}

/** The OpenAPI 3 document the registry stores for one detail-type. */
export function schemaRegistryDocument(type: DetailType): Record<string, unknown> {
  const entry = EVENT_CATALOG[type];
  return {
    openapi: '3.0.0',
    info: { version: `${entry.version}.0.0`, title: type, description: entry.description },
    paths: {},
    components: { schemas: { AWSEvent: awsEventWrapper(type), [type]: convert(type, 'openapi-3.0') } },
  };
}

/**
 * The JSON Schema (draft 4) document the registry stores for one detail-type: the whole EventBridge
 * event, its `detail` under `definitions` (the layout of the registry's own ExportSchema to JSONSchemaDraft4).
 */
export function schemaRegistryDraft4Document(type: DetailType): Record<string, unknown> {
  const entry = EVENT_CATALOG[type];
  const wrapper = awsEventWrapper(type);
  return {
    $schema: JSON_SCHEMA_DRAFT4_DIALECT,
    title: type,
    description: entry.description,
    definitions: { [type]: convert(type, 'draft-04') },
    ...wrapper,
    properties: { ...wrapper.properties, detail: { $ref: `#/definitions/${type}` } },
  };
}

/** One `AWS::EventSchemas::Schema` per detail-type, for the CDK stack's registry (OpenApi3 by default). */
export function schemaRegistryEntries(format: SchemaRegistryType = 'OpenApi3'): SchemaRegistryEntry[] {
  return DETAIL_TYPES.map((type) => {
    const entry = EVENT_CATALOG[type];
    return {
      name: `${EVENT_SOURCE}@${type}`,
      type: format,
      description: entry.description,
      content: JSON.stringify(
        format === 'OpenApi3' ? schemaRegistryDocument(type) : schemaRegistryDraft4Document(type),
      ),
      detailType: type,
      version: entry.version,
    };
  });
}
