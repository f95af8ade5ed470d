import { HttpException } from '@nestjs/common';
import {
  ClienteleError,
  InvalidInput,
  TooManyRequests,
  Unavailable,
  type ErrorKind,
} from '@clientele/shared';

/** An RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
}

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  rule_violated: 422,
  rate_limited: 429,
  unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const PROBLEM_BASE = 'https://clientele.dev/problems/';

function problem(
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Problem {
  // An extension never overrides the members RFC 9457 defines (a rule's `status` stays its own).
  return {
    ...extra,
    type: `${PROBLEM_BASE}${code.replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
  };
}

/** The one mapping from anything thrown to the problem an API consumer sees. */
export function toProblem(error: unknown): { problem: Problem; retryAfter?: number } {
  if (error instanceof ClienteleError) {
    const extra: Record<string, unknown> = { ...error.extensions };
    if (error instanceof InvalidInput) extra.errors = error.errors;
    const result: { problem: Problem; retryAfter?: number } = {
      problem: problem(STATUS[error.kind], error.code, error.message, extra),
    };
    if (error instanceof Unavailable || error instanceof TooManyRequests) {
      result.retryAfter = error.retryAfterSeconds;
    }
    return result;
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? String((response as { message: unknown }).message)
        : error.message;
    return { problem: problem(status, codeFor(status), message) };
  }
  // Fastify's own errors (malformed JSON, body too large, unsupported media type) carry a 4xx.
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = error instanceof Error ? error.message : 'The request could not be read.';
    return { problem: problem(status, codeFor(status), message) };
  }
  return {
    problem: problem(
      500,
      'internal_error',
      'Something went wrong on our side. It has been logged.',
    ),
  };
}

function codeFor(status: number): string {
  return (TITLES[status] ?? 'error').toLowerCase().replace(/ /g, '_');
}
