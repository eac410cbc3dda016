import type { SagaSettings } from '../saga.ts'
import { answerConsumer } from './answers.ts'

/** Shipping's answers: created or refused, cancelled. */
export const shippingAnswers = (settings: SagaSettings) =>
  answerConsumer('shipping-events', settings)
