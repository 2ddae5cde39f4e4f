import { applyFailureKind } from './apply-failure';

describe('applyFailureKind', () => {
  it.each([
    ['22021', 'content'], // invalid byte sequence (NUL in text)
    ['22P02', 'content'], // invalid text representation (a uuid that is not one)
    ['23505', 'content'], // unique violation
    ['08006', 'transient'], // connection failure
    ['40001', 'transient'], // serialization failure
    ['40P01', 'transient'], // deadlock
    ['57P01', 'transient'], // admin shutdown
    ['53300', 'transient'], // too many connections
    ['42703', 'transient'], // undefined column: our bug, retried rather than quarantining every envelope
  ])('SQLSTATE %s is %s', (code, kind) => {
    expect(applyFailureKind(Object.assign(new Error('x'), { code }))).toBe(kind);
  });

  it('reads the code of a TypeORM QueryFailedError from its driver error', () => {
    expect(applyFailureKind({ message: 'x', driverError: { code: '22021' } })).toBe('content');
  });

  it('takes a system error of the connection as transient', () => {
    expect(applyFailureKind(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
      'transient',
    );
  });

  it('leaves an error without a code to the caller (unknown)', () => {
    expect(applyFailureKind(new TypeError('cannot read properties of undefined'))).toBe('unknown');
    expect(applyFailureKind('a string')).toBe('unknown');
    expect(applyFailureKind(undefined)).toBe('unknown');
  });
});
