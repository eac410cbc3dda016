import type { FC } from 'hono/jsx'
import type { Visitor } from '../../services/accounts/index.ts'
import { CsrfField, Layout } from '../layout.tsx'

export interface FormState {
  values?: Record<string, string>
  errors?: Record<string, string>
  message?: string
}

const Field: FC<{
  name: string
  label: string
  type?: string
  state: FormState
  autocomplete?: string
}> = ({ name, label, type = 'text', state, autocomplete }) => (
  <label>
    {label}
    <input
      name={name}
      type={type}
      value={type === 'password' ? undefined : state.values?.[name]}
      autocomplete={autocomplete}
      required
      aria-invalid={state.errors?.[name] ? 'true' : undefined}
    />
    {state.errors?.[name] ? <span class="error">{state.errors[name]}</span> : null}
  </label>
)

export const LoginPage: FC<{ visitor: Visitor; state: FormState; next: string }> = ({
  visitor,
  state,
  next,
}) => (
  <Layout title="Log in" visitor={visitor}>
    <section class="card">
      <h1>Log in</h1>
      {state.message ? <p class="notice">{state.message}</p> : null}
      <form class="form" method="post" action={`/login?next=${encodeURIComponent(next)}`}>
        <CsrfField visitor={visitor} />
        <Field name="email" label="Email" type="email" state={state} autocomplete="email" />
        <Field
          name="password"
          label="Password"
          type="password"
          state={state}
          autocomplete="current-password"
        />
        <button type="submit">Log in</button>
      </form>
      <p>
        New here? <a href={`/register?next=${encodeURIComponent(next)}`}>Create an account</a>; your
        cart comes with you.
      </p>
    </section>
  </Layout>
)

export const RegisterPage: FC<{ visitor: Visitor; state: FormState; next: string }> = ({
  visitor,
  state,
  next,
}) => (
  <Layout title="Register" visitor={visitor}>
    <section class="card">
      <h1>Create an account</h1>
      {state.message ? <p class="notice">{state.message}</p> : null}
      <form class="form" method="post" action={`/register?next=${encodeURIComponent(next)}`}>
        <CsrfField visitor={visitor} />
        <Field name="name" label="Name" state={state} autocomplete="name" />
        <Field name="email" label="Email" type="email" state={state} autocomplete="email" />
        <Field
          name="password"
          label="Password (10 characters or more)"
          type="password"
          state={state}
          autocomplete="new-password"
        />
        <button type="submit">Create account</button>
      </form>
      <p>
        Have an account? <a href={`/login?next=${encodeURIComponent(next)}`}>Log in</a>
      </p>
    </section>
  </Layout>
)
