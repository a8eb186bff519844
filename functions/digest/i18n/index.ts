import type { Locale } from '../locale.js';
import { en } from './en.js';
import { id } from './id.js';
import { pl } from './pl.js';
import type { Messages } from './messages.js';

export type { HealthBand, Messages } from './messages.js';

export const MESSAGES: Readonly<Record<Locale, Messages>> = { en, id, pl };
