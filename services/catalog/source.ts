/** The CloudEvents `source` of everything the catalog emits. */
export const CATALOG_SOURCE = '/streamshop/catalog'
