import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthedRequest, Public, Roles } from '@corridor/platform';
import { PartySignatureDto, ProposeAgreementDto, TransitionDto } from '@corridor/secretariat-api';
import { AgreementsService, AgreementView } from './agreements.service';

@ApiTags('agreements')
@ApiBearerAuth()
@Controller('v1/agreements')
export class AgreementsController {
  constructor(private readonly agreements: AgreementsService) {}

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Propose an agreement between two countries (state PROPOSED)' })
  async propose(@Body() dto: ProposeAgreementDto, @Req() req: AuthedRequest): Promise<AgreementView> {
    return this.agreements.propose(dto, req.principal.sub);
  }

  @Get()
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'List agreements with their state' })
  async list(): Promise<AgreementView[]> {
    return this.agreements.list();
  }

  @Get(':id')
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'One agreement with its terms, signatures and signed history' })
  async get(@Param('id') id: string): Promise<AgreementView> {
    return this.agreements.get(id);
  }

  // Public: the signature is verified against the party's certificate, which is the authentication.
  @Public()
  @Post(':id/signatures')
  @HttpCode(200)
  @ApiOperation({
    summary: "Add a party's signature over the terms (made by its gateway: POST /v1/agreements/sign there)",
  })
  async sign(@Param('id') id: string, @Body() dto: PartySignatureDto): Promise<AgreementView> {
    return this.agreements.addPartySignature(id, dto);
  }

  @Post(':id/activate')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Countersign and activate: topics and ACLs are created in the broker' })
  async activate(@Param('id') id: string, @Req() req: AuthedRequest): Promise<AgreementView> {
    return this.agreements.activate(id, req.principal.sub);
  }

  @Post(':id/suspend')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Suspend: ACLs are removed at once, so the broker refuses the pair' })
  async suspend(
    @Param('id') id: string,
    @Body() dto: TransitionDto,
    @Req() req: AuthedRequest,
  ): Promise<AgreementView> {
    return this.agreements.change(id, 'SUSPEND', req.principal.sub, dto.reason);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Resume a suspended agreement' })
  async resume(
    @Param('id') id: string,
    @Body() dto: TransitionDto,
    @Req() req: AuthedRequest,
  ): Promise<AgreementView> {
    return this.agreements.change(id, 'RESUME', req.principal.sub, dto.reason);
  }

  @Post(':id/terminate')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'Terminate (final)' })
  async terminate(
    @Param('id') id: string,
    @Body() dto: TransitionDto,
    @Req() req: AuthedRequest,
  ): Promise<AgreementView> {
    return this.agreements.change(id, 'TERMINATE', req.principal.sub, dto.reason);
  }
}
