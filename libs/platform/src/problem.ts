// RFC 9457 problem+json at the edge: typed errors from libraries are mapped here, nowhere else.
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { IdentityError } from '@corridor/identity';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** the request field at fault, as a JSON path such as payload.mrz[1] */
  field?: string;
  code?: string;
  rule?: string;
  /** the bound that was exceeded (413: most items or bytes a request may carry) */
  limit?: number;
  /** seconds to wait before repeating the request (429, 503): also sent as the Retry-After header */
  retryAfter?: number;
  errors?: { field: string; message: string }[];
}

/** An error that already knows its problem document. */
export class ProblemException extends HttpException {
  constructor(readonly problem: Problem) {
    super(problem, problem.status);
  }
}

export function problem(
  status: number,
  code: string,
  detail: string,
  extra: Partial<Problem> = {},
): ProblemException {
  return new ProblemException({
    type: `https://corridor.example/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: code,
    status,
    detail,
    code,
    ...extra,
  });
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = this.toProblem(exception);
    if (body.status >= 500) {
      this.logger.error(
        {
          err: exception instanceof Error ? { name: exception.name, message: exception.message } : exception,
        },
        'unhandled',
      );
    }
    if (body.retryAfter !== undefined) {
      res.setHeader('Retry-After', String(body.retryAfter));
    }
    res.status(body.status).type('application/problem+json').send(JSON.stringify(body));
  }

  private toProblem(exception: unknown): Problem {
    if (exception instanceof ProblemException) {
      return exception.problem;
    }
    if (exception instanceof IdentityError) {
      const status = exception.retriable ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.UNAUTHORIZED;
      return problem(status, exception.code, exception.message).problem;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const r = exception.getResponse();
      const message =
        typeof r === 'string' ? r : ((r as { message?: string | string[] }).message ?? exception.message);
      const detail = Array.isArray(message) ? message.join('; ') : message;
      const code =
        status === 413
          ? 'PAYLOAD_TOO_LARGE'
          : status === 404
            ? 'NOT_FOUND'
            : status === 429
              ? 'RATE_LIMITED'
              : status === 400
                ? 'BAD_REQUEST'
                : `HTTP_${status}`;
      return problem(status, code, detail).problem;
    }
    const e = exception as { type?: string; status?: number; message?: string };
    if (e?.type === 'entity.too.large') {
      return problem(
        413,
        'PAYLOAD_TOO_LARGE',
        'request body is larger than the limit; split it or shorten it',
        { field: 'body' },
      ).problem;
    }
    if (e?.type === 'entity.parse.failed') {
      return problem(400, 'MALFORMED_JSON', 'request body is not valid JSON', { field: 'body' }).problem;
    }
    return problem(500, 'INTERNAL', 'unexpected error; the operator can find it in the gateway log').problem;
  }
}
