import type { SagaSettings } from '../saga.ts'
import { answerConsumer } from './answers.ts'

/** Payments' answers: authorized or declined, captured or not, voided, refunded. */
export const paymentAnswers = (settings: SagaSettings) => answerConsumer('payment-events', settings)
