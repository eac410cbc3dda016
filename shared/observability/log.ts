import pino from 'pino'
import { config } from '../config/index.ts'

/** The process-wide structured logger. */
export const log = pino({
  level: config.NODE_ENV === 'test' && config.LOG_LEVEL === 'info' ? 'error' : config.LOG_LEVEL,
  base: { service: 'streamshop' },
})
