// The header's kind must name the body the ciphertext carries.
import { MessageKind, type ExchangeMessage } from '@corridor/contracts';

/** MessageKind of the body oneof; UNSPECIFIED for an empty body. */
export function messageKindOf(message: ExchangeMessage): MessageKind {
  switch (message.body.case) {
    case 'alert':
      return MessageKind.ALERT;
    case 'update':
      return MessageKind.UPDATE;
    case 'withdrawal':
      return MessageKind.WITHDRAWAL;
    case 'reply':
      return MessageKind.REPLY;
    case 'acknowledgement':
      return MessageKind.ACKNOWLEDGEMENT;
    case 'receipt':
    case 'receipts':
      return MessageKind.RECEIPT;
    case 'registerChunk':
      return MessageKind.REGISTER;
    case undefined:
      return MessageKind.UNSPECIFIED;
  }
}
