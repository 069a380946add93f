/** core.summary inserts raw HTML: escape everything that came from a repository, a report or a manifest. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
