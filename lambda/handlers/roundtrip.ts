/** The roundtrip check's Lambda: wiring only (see create-handler.ts). */
import { createHandler } from './create-handler';

export const { handler } = createHandler('roundtrip', process.env);
