/** One cell: a project in an environment of an organization. Its objects share one namespace. */
export interface CellScope {
  readonly organization: string;
  readonly project: string;
  readonly environment: string;
}

/** One component of a cell. */
export interface ComponentScope extends CellScope {
  readonly component: string;
}
