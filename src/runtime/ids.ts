import { nanoid } from 'nanoid';

/** Makes worker and job ids. The prefix says what the id is for ("job", "worker"). */
export type IdGenerator = (prefix: string) => string;

export const randomIds: IdGenerator = (prefix) => `${prefix}_${nanoid(12)}`;
