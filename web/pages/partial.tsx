/**
 * An update that replaces the element with this id, whatever the page: the content is the same
 * component, id included, so it takes the element's place (htmx's default, innerHTML, would nest a
 * second element of that id inside the first at every update).
 */
export async function partial(id: string, content: unknown): Promise<string> {
  const update = (
    <hx-partial hx-target={`#${id}`} hx-swap="outerHTML">
      {content}
    </hx-partial>
  )
  return (await update.toString()) as string
}
