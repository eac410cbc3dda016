// The baseline: the seed's routes/events.js (Express + kafkajs, every client option at its
// default, so acks=-1): POST /track as the seed wrote it, for one event (what its React hook
// sends), and POST / taking a batch. One producer.send per request, answered once Kafka has
// acknowledged it. Plain JavaScript so it runs under node, as the seed does.
import express from 'express'
import { Kafka } from 'kafkajs'

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',')
const kafka = new Kafka({ clientId: 'matrix-website-client', brokers })
const producer = kafka.producer()

const router = express.Router()

router.post('/track', async (req, res) => {
  try {
    const { userId, eventType, productId, metadata } = req.body

    const event = {
      userId,
      eventType,
      productId,
      timestamp: new Date().toISOString(),
      metadata: metadata || {},
    }

    await producer.send({
      topic: 'user-events',
      messages: [
        {
          key: userId.toString(),
          value: JSON.stringify(event),
        },
      ],
    })

    res.json({
      success: true,
      message: 'Event tracked successfully',
      eventId: `${userId}-${Date.now()}`,
    })
  } catch (error) {
    console.error('Error tracking event:', error)
    res.status(500).json({ success: false, error: 'Failed to track event' })
  }
})

router.post('/', async (req, res) => {
  try {
    const events = req.body.events.map(({ userId, type, eventType, productId, metadata }) => ({
      userId,
      eventType: eventType ?? type,
      productId,
      timestamp: new Date().toISOString(),
      metadata: metadata || {},
    }))

    await producer.send({
      topic: 'user-events',
      messages: events.map((event) => ({
        key: event.userId.toString(),
        value: JSON.stringify(event),
      })),
    })

    res.json({
      success: true,
      message: 'Events tracked successfully',
      accepted: events.length,
    })
  } catch (error) {
    console.error('Error tracking events:', error)
    res.status(500).json({ success: false, error: 'Failed to track events' })
  }
})

const app = express()
app.use(express.json())
app.use(express.urlencoded({ extended: true }))
app.use('/api/events', router)

await producer.connect()
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`BENCH_PORT=${server.address().port}`)
})

process.on('SIGTERM', () => {
  server.close()
  producer.disconnect().finally(() => process.exit(0))
})
