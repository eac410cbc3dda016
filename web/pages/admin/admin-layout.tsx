import type { FC, PropsWithChildren } from 'hono/jsx'
import type { Visitor } from '../../../services/accounts/index.ts'
import { Layout } from '../../layout.tsx'

/** The admin's tabs, in order; each is its own page under /admin with its own live stream. */
export const ADMIN_TABS = [
  { id: 'overview', label: 'Overview', href: '/admin/overview' },
  { id: 'orders', label: 'Orders', href: '/admin/orders' },
  { id: 'users', label: 'Users', href: '/admin/users' },
  { id: 'products', label: 'Products', href: '/admin/products' },
  { id: 'funnels', label: 'Funnels', href: '/admin/funnels' },
  { id: 'recommendations', label: 'Recommendations', href: '/admin/recommendations' },
  { id: 'sagas', label: 'Sagas', href: '/admin/sagas' },
  { id: 'stream', label: 'Stream', href: '/admin/stream' },
] as const

export type AdminTab = (typeof ADMIN_TABS)[number]['id']

/** A page of the admin area: the shop's layout with the tabs above the content. */
export const AdminLayout: FC<
  PropsWithChildren<{ title: string; visitor: Visitor; tab: AdminTab; live?: readonly string[] }>
> = ({ title, visitor, tab, live, children }) => (
  <Layout
    title={`Admin: ${title}`}
    visitor={visitor}
    live={live}
    scripts={['/static/uPlot.iife.min.js', '/static/charts.js']}
    styles={['/static/uPlot.min.css']}
  >
    <nav class="admin-tabs" aria-label="Admin">
      {ADMIN_TABS.map((t) => (
        <a href={t.href} aria-current={t.id === tab ? 'page' : undefined}>
          {t.label}
        </a>
      ))}
    </nav>
    {children}
  </Layout>
)
