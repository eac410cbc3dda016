# syntax=docker/dockerfile:1
# One image for every Streamshop process; the command picks which one runs:
#   bun web/main.ts               the whole shop (default)
#   bun services/<name>/main.ts   one service alone
# bun.lock is lockfileVersion 2, which Bun releases before 1.4 refuse to read.
ARG BUN_VERSION=1.4

# Production dependencies only, exactly as locked.
FROM oven/bun:${BUN_VERSION} AS deps
WORKDIR /app
# If `bun patch` ever adds a patches/ folder, copy it here too: the install applies it.
COPY package.json bun.lock bunfig.toml ./
RUN bun install --frozen-lockfile --production

FROM oven/bun:${BUN_VERSION}
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
COPY --from=deps /app/node_modules ./node_modules
# tsconfig.json carries the JSX settings Bun needs to run the hono/jsx pages.
COPY package.json bun.lock tsconfig.json bunfig.toml ./
COPY migrations ./migrations
COPY shared ./shared
COPY services ./services
COPY web ./web
# The embedded database, its outbox and STATE_DIR live here. A new volume mounted on it takes
# this ownership, so the non-root user can write to it.
RUN mkdir -p /app/data && chown bun:bun /app/data
USER bun
VOLUME ["/app/data"]
EXPOSE 3000
# The image has no curl; Bun fetches. PORT is read at run time, so a service on another port
# (PORT=3001) is checked where it listens.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["bun", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["bun", "web/main.ts"]
