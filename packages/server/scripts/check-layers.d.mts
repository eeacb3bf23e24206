export const LAYERS: string[][]
export function edgeProblem(from: string, to: string): string | undefined
export function cycles(graph: Map<string, string[]>): string[][]
export function layerProblems(src: string, tsconfig: string): Promise<{ modules: number; problems: string[] }>
