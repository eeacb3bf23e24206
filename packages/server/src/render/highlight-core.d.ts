/** Types of `highlight-core.js`: the part of highlight.js's API the viewer uses. */
export type LanguageDefinition = object

declare const hljs: {
  getLanguage(name: string): { aliases?: string[] } | undefined
  highlight(code: string, options: { language: string; ignoreIllegals?: boolean }): { value: string }
}

/** The registered languages by name. */
export declare const LANGUAGES: Record<string, LanguageDefinition>

export default hljs
