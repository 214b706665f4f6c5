import { NestedStack } from 'aws-cdk-lib';
import { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-eventschemas';
import type { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../shared/events/envelope.ts';
import { schemaRegistryEntries } from '../../shared/events/json-schema.ts';

export interface EventCatalogStackProps {
  /** Registry name, e.g. `<stack>-events`, after the bus it describes. */
  registryName: string;
  busName: string;
}

/**
 * The event catalog in EventBridge's schema registry: one JSON Schema (draft 4) per detail-type and
 * version, generated from the same zod schemas as docs/events.md (code bindings, console, validation).
 * A nested stack: the catalog grows with every event type, and in the main stack each schema would
 * spend one of its 500 CloudFormation resources; nested, the catalog costs it one.
 */
export class EventCatalogStack extends NestedStack {
  readonly registry: CfnRegistry;

  constructor(scope: Construct, id: string, props: EventCatalogStackProps) {
    super(scope, id, { description: `Schema registry of the events on ${props.busName}` });
    this.registry = new CfnRegistry(this, 'SchemaRegistry', {
      registryName: props.registryName,
      description: `Events ${EVENT_SOURCE} publishes on ${props.busName} (generated from shared/events)`,
    });
    for (const entry of schemaRegistryEntries('JSONSchemaDraft4')) {
      new CfnSchema(this, `Schema-${entry.detailType}-v${entry.version}`, {
        registryName: this.registry.attrRegistryName,
        schemaName: entry.name,
        type: entry.type,
        description: `${entry.detailType} v${entry.version}: ${entry.description}`.slice(0, 256),
        content: entry.content,
        tags: [
          { key: 'quartermaster:detail-type', value: entry.detailType },
          { key: 'quartermaster:event-version', value: String(entry.version) },
        ],
      });
    }
  }
}
