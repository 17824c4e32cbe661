/**
 * A business refusal, on either gateway: the call passed the envelope checks and the gateway said no
 * (OneCard `retcode` inside a signed reply, Zhixiao a non-zero `ret_code`). Handlers throw it; the fronts
 * turn it into the gateway's own reply.
 */
export class BusinessError extends Error {
  constructor(
    /** OneCard retcode (`60002`…) or Zhixiao ret_code (`-1`, `-2`) as a string. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function refuse(code: string, message: string): never {
  throw new BusinessError(code, message);
}
