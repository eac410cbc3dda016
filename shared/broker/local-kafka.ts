import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { waitForBroker } from './wait.ts'

export interface LocalKafkaOptions {
  version: string
  cacheDir?: string
  startupTimeoutMs: number
  /** The KRaft cluster id (22 base64url characters); random when absent. */
  clusterId?: string
  /** Called with progress lines (download, format, start). */
  onProgress?: (line: string) => void
}

/** Where Kafka's jars are kept between runs. */
export function defaultCacheDir(): string {
  return join(homedir(), '.cache', 'streamshop')
}

function pom(version: string): string {
  // kafka_2.13 brings the broker, raft and storage modules; log4j2 is Kafka 4's logging back-end.
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>streamshop</groupId><artifactId>kafka-runtime</artifactId><version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${version}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>2.0.17</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version></dependency>
  </dependencies>
</project>
`
}

/** Downloads Apache Kafka's jars from Maven Central once (through mvn) and returns the lib directory. */
export async function installKafka(
  opts: Pick<LocalKafkaOptions, 'version' | 'cacheDir' | 'onProgress'>,
): Promise<string> {
  const home = join(opts.cacheDir ?? defaultCacheDir(), `kafka-${opts.version}`)
  const lib = join(home, 'lib')
  const marker = join(home, '.installed')
  if (existsSync(marker)) return lib
  mkdirSync(home, { recursive: true })
  writeFileSync(join(home, 'pom.xml'), pom(opts.version))
  opts.onProgress?.(
    `Downloading Apache Kafka ${opts.version} from Maven Central into ${home} (once)`,
  )
  await run(
    [
      'mvn',
      '-q',
      '-B',
      '-f',
      join(home, 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${lib}`,
    ],
    `mvn could not fetch Kafka ${opts.version}`,
  )
  writeFileSync(marker, new Date().toISOString())
  return lib
}

/** Runs a command to completion; on failure throws with what it printed. */
async function run(cmd: string[], failure: string): Promise<void> {
  const proc = Bun.spawn(cmd, { stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  if (code !== 0) throw new Error(`${failure} (exit ${code}):\n${out}\n${err}`)
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      )
    })
  })
}

/**
 * A single-node Apache Kafka in KRaft mode (combined broker and controller) on 127.0.0.1, with its
 * data in a temporary directory. A watchdog shell stops the JVM when this process dies.
 */
export class LocalKafka {
  readonly #opts: LocalKafkaOptions
  #proc: Subprocess | null = null
  #dataDir = ''
  #port = 0
  #controllerPort = 0
  #lib = ''

  constructor(opts: LocalKafkaOptions) {
    this.#opts = opts
  }

  get brokers(): string[] {
    return [`127.0.0.1:${this.#port}`]
  }

  get dataDir(): string {
    return this.#dataDir
  }

  async start(): Promise<string[]> {
    if (!this.#lib) this.#lib = await installKafka(this.#opts)
    if (!this.#dataDir) {
      this.#dataDir = mkdtempSync(join(tmpdir(), 'streamshop-kafka-'))
      try {
        this.#port = await freePort()
        this.#controllerPort = await freePort()
        this.#writeConfig()
        await this.#format()
      } catch (error) {
        rmSync(this.#dataDir, { recursive: true, force: true })
        this.#dataDir = ''
        throw error
      }
    }
    this.#launch()
    try {
      await waitForBroker(this.brokers, this.#opts.startupTimeoutMs)
    } catch (error) {
      await this.stop()
      throw new Error(`${(error as Error).message}\nKafka's log:\n${this.#logTail()}`)
    }
    return this.brokers
  }

  #writeConfig(): void {
    const props = {
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': `1@127.0.0.1:${this.#controllerPort}`,
      listeners: `PLAINTEXT://127.0.0.1:${this.#port},CONTROLLER://127.0.0.1:${this.#controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${this.#port}`,
      'controller.listener.names': 'CONTROLLER',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name': 'PLAINTEXT',
      'log.dirs': join(this.#dataDir, 'logs'),
      'num.partitions': '1',
      'auto.create.topics.enable': 'false',
      'offsets.topic.replication.factor': '1',
      'offsets.topic.num.partitions': '5',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'group.initial.rebalance.delay.ms': '0',
      'group.min.session.timeout.ms': '1000',
      'log.message.timestamp.type': 'CreateTime',
    }
    const text = Object.entries(props)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')
    writeFileSync(join(this.#dataDir, 'server.properties'), `${text}\n`)
    writeFileSync(
      join(this.#dataDir, 'log4j2.properties'),
      [
        'rootLogger.level=WARN',
        'rootLogger.appenderRef.file.ref=FILE',
        'appender.file.type=File',
        'appender.file.name=FILE',
        `appender.file.fileName=${join(this.#dataDir, 'kafka.log')}`,
        'appender.file.layout.type=PatternLayout',
        'appender.file.layout.pattern=[%d] %p %m (%c)%n',
        '',
      ].join('\n'),
    )
  }

  #java(mainClass: string, args: string[]): string[] {
    return [
      'java',
      '-Xms256m',
      '-Xmx1g',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${join(this.#dataDir, 'log4j2.properties')}`,
      '-cp',
      join(this.#lib, '*'),
      mainClass,
      ...args,
    ]
  }

  async #format(): Promise<void> {
    const clusterId =
      this.#opts.clusterId ??
      Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url')
    await run(
      this.#java('kafka.tools.StorageTool', [
        'format',
        // One argument with '=': a base64url id may start with '-', which would read as an option.
        `--cluster-id=${clusterId}`,
        '-c',
        join(this.#dataDir, 'server.properties'),
      ]),
      'Formatting Kafka storage failed',
    )
  }

  #launch(): void {
    const java = this.#java('kafka.Kafka', [join(this.#dataDir, 'server.properties')])
      .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
      .join(' ')
    const dir = `'${this.#dataDir}'`
    // The watchdog: stops the JVM on TERM (SIGKILL after 15 s), and if our process dies without
    // stopping Kafka, stops the JVM and removes its data, since nobody else will.
    const script = `${java} >>${dir}/stdout.log 2>&1 & jp=$!
echo $jp > ${dir}/kafka.pid
stopjvm() { kill $jp 2>/dev/null; i=0; while kill -0 $jp 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done; kill -9 $jp 2>/dev/null; wait $jp 2>/dev/null; }
trap 'stopjvm; exit 0' TERM INT
while kill -0 ${process.pid} 2>/dev/null && kill -0 $jp 2>/dev/null; do sleep 1; done
stopjvm
kill -0 ${process.pid} 2>/dev/null || rm -rf ${dir}`
    this.#proc = Bun.spawn(['sh', '-c', script], { stdout: 'ignore', stderr: 'ignore' })
  }

  #logTail(): string {
    for (const f of ['kafka.log', 'stdout.log']) {
      const path = join(this.#dataDir, f)
      if (existsSync(path)) return readFileSync(path, 'utf8').split('\n').slice(-30).join('\n')
    }
    return '(no log)'
  }

  #killJvm(): void {
    try {
      const pid = Number(readFileSync(join(this.#dataDir, 'kafka.pid'), 'utf8'))
      if (pid > 0) process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }

  /** Stops the JVM. With `keepData` the same broker can be started again with its topics and offsets. */
  async stop(opts: { keepData?: boolean } = {}): Promise<void> {
    const proc = this.#proc
    this.#proc = null
    if (proc) {
      proc.kill('SIGTERM')
      const killer = setTimeout(() => {
        // The watchdog did not finish: kill the JVM itself, not only the shell.
        this.#killJvm()
        proc.kill('SIGKILL')
      }, 20_000)
      await proc.exited
      clearTimeout(killer)
    }
    if (!opts.keepData && this.#dataDir) {
      rmSync(this.#dataDir, { recursive: true, force: true })
      this.#dataDir = ''
    }
  }
}
