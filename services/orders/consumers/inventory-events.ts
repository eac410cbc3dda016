import type { SagaSettings } from '../saga.ts'
import { answerConsumer } from './answers.ts'

/** Inventory's answers: reserved or out of stock, released. */
export const inventoryAnswers = (settings: SagaSettings) =>
  answerConsumer('inventory-events', settings)
