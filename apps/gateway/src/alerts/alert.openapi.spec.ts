// /docs describes the request bodies from the validation rules of @corridor/gateway-api's classes.
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { describeRequestBodies } from '@corridor/platform';
import { DocumentCheckController, InboxController } from '../inbox/inbox.controller';
import { REQUEST_BODIES, REQUEST_NOTES } from './alert.openapi';
import { AlertsController } from './alerts.controller';

async function document(): Promise<OpenAPIObject> {
  const mod = await Test.createTestingModule({
    controllers: [AlertsController, InboxController, DocumentCheckController],
  })
    .useMocker(() => ({}))
    .compile();
  const app = mod.createNestApplication({ logger: false });
  const base = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('t').build());
  return describeRequestBodies(base, REQUEST_BODIES, REQUEST_NOTES);
}

describe('the OpenAPI request bodies', () => {
  let schemas: Record<string, SchemaObject>;
  beforeAll(async () => {
    schemas = (await document()).components!.schemas as Record<string, SchemaObject>;
  });
  const prop = (schema: string, name: string): SchemaObject =>
    schemas[schema].properties![name] as SchemaObject;

  it('give every field of POST /v1/alerts its type, enum, length and whether it is required', () => {
    expect(schemas.PublishAlertDto.required).toEqual([
      'category',
      'priority',
      'classification',
      'handling',
      'title',
    ]);
    expect(prop('PublishAlertDto', 'category')).toMatchObject({
      type: 'string',
      enum: expect.arrayContaining(['ROUTE']),
    });
    expect(prop('PublishAlertDto', 'title')).toMatchObject({ type: 'string', minLength: 1, maxLength: 200 });
    expect(prop('PublishAlertDto', 'recipients')).toMatchObject({
      type: 'array',
      maxItems: 50,
      items: { type: 'string', pattern: '^[A-Z]{2}$' },
      example: ['IT'],
    });
    expect(prop('PublishAlertDto', 'bulletin')).toEqual({ $ref: '#/components/schemas/BulletinDto' });
    expect(prop('BulletinDto', 'body')).toMatchObject({ type: 'string', maxLength: 20000 });
    expect(prop('RouteDto', 'transit')).toMatchObject({
      type: 'array',
      items: { $ref: '#/components/schemas/WaypointDto' },
    });
    expect(prop('RouteDto', 'pricePerPersonUsd')).toMatchObject({
      type: 'integer',
      minimum: 0,
      maximum: 1_000_000,
    });
    expect(prop('DocumentDto', 'fraudType').enum).toContain('COUNTERFEIT');
  });

  it('list the codes of the coded vocabularies, free text going in the note', () => {
    expect(prop('RouteDto', 'transportMode').enum).toEqual(
      expect.arrayContaining(['PICKUP_TRUCK', 'RUBBER_BOAT']),
    );
    expect(prop('RouteDto', 'modusOperandi').enum).toContain('NIGHT_CONVOYS');
    expect((prop('RouteDto', 'risksToLife').items as SchemaObject).enum).toContain('OVERCROWDED_BOAT');
    expect(prop('RouteDto', 'note')).toMatchObject({ type: 'string', maxLength: 2000 });
    expect(prop('SuspectDto', 'role').enum).toContain('ORGANISER');
    expect(prop('ProtectionReferralDto', 'need').enum).toContain('DISTRESS_AT_SEA');
  });

  it('keep inherited fields and their notes on an update', () => {
    expect(schemas.UpdateAlertDto.required).toEqual(expect.arrayContaining(['reason', 'category', 'title']));
    expect(prop('UpdateAlertDto', 'title')).toMatchObject({ maxLength: 200, example: expect.any(String) });
  });

  it('describe the bodies of the inbox routes', () => {
    expect(prop('ReplyDto', 'body')).toMatchObject({ type: 'string', minLength: 1, maxLength: 5000 });
    expect(schemas.DocumentCheckDto).toBeDefined();
  });

  it('refuse a note about a field that does not exist', () => {
    expect(() =>
      describeRequestBodies(
        { openapi: '3.0.0', info: { title: 't', version: '1' }, paths: {} },
        REQUEST_BODIES,
        {
          ReplyDto: { text: { example: 'x' } },
        },
      ),
    ).toThrow('ReplyDto has no property text');
  });
});
