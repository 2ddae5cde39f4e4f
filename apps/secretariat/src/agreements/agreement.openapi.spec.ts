// /docs describes the agreement bodies from the validation rules of @corridor/secretariat-api's classes.
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { describeRequestBodies } from '@corridor/platform';
import { AGREEMENT_BODIES, AGREEMENT_NOTES } from './agreement.openapi';
import { AgreementsController } from './agreements.controller';

it('describes the agreement bodies with their rules and notes', async () => {
  const mod = await Test.createTestingModule({ controllers: [AgreementsController] })
    .useMocker(() => ({}))
    .compile();
  const app = mod.createNestApplication({ logger: false });
  const base = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('t').build());
  const schemas = describeRequestBodies(base, AGREEMENT_BODIES, AGREEMENT_NOTES).components!
    .schemas as Record<string, SchemaObject>;
  const prop = (schema: string, name: string): SchemaObject =>
    schemas[schema].properties![name] as SchemaObject;
  expect(prop('ProposeAgreementDto', 'directions')).toMatchObject({
    type: 'array',
    minItems: 1,
    maxItems: 2,
    items: { $ref: '#/components/schemas/DirectionTermsDto' },
  });
  expect(prop('DirectionTermsDto', 'categories')).toMatchObject({
    type: 'array',
    items: { enum: expect.arrayContaining(['ROUTE']) },
  });
  expect(prop('DirectionTermsDto', 'retentionDays')).toMatchObject({
    type: 'integer',
    maximum: 3650,
    example: 30,
  });
  expect(prop('TransitionDto', 'reason')).toMatchObject({ type: 'string', maxLength: 500 });
  expect(schemas.ProposeAgreementDto.required).toEqual(
    expect.arrayContaining(['parties', 'validFrom', 'validUntil', 'purpose', 'directions']),
  );
});
