/** An error shown at the top of the window until dismissed. */
export interface Notice {
  id: number;
  message: string;
  hint: string;
  code: string;
}
