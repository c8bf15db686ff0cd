import type { CleanInteraction, CleanProduct, CleanUser } from '../schemas/clean';
import type { InteractionType } from '../schemas/records';
import type { CleanDayData } from '../features/fold';

/** A cleaned day as staged between the per-day stage and the fold: interactions stored column-wise. */
export interface StagedDay {
  readonly date: string;
  readonly interactions: {
    readonly interaction_id: string[];
    readonly user_id: string[];
    readonly product_id: string[];
    readonly interaction_type: InteractionType[];
    readonly session_id: string[];
    readonly timestamp: number[];
    readonly rating: (number | null)[];
    readonly device_type: string[];
    readonly page_context: string[];
  };
  readonly products: readonly CleanProduct[] | null;
  readonly users: readonly CleanUser[] | null;
}

/** Column-wise form of a day (cheaper to serialise and parse than one object per row). */
export function stageDay(
  date: string,
  rows: readonly CleanInteraction[],
  products: readonly CleanProduct[] | null,
  users: readonly CleanUser[] | null,
): StagedDay {
  const cols: StagedDay['interactions'] = {
    interaction_id: [],
    user_id: [],
    product_id: [],
    interaction_type: [],
    session_id: [],
    timestamp: [],
    rating: [],
    device_type: [],
    page_context: [],
  };
  for (const r of rows) {
    cols.interaction_id.push(r.interaction_id);
    cols.user_id.push(r.user_id);
    cols.product_id.push(r.product_id);
    cols.interaction_type.push(r.interaction_type);
    cols.session_id.push(r.session_id);
    cols.timestamp.push(r.timestamp);
    cols.rating.push(r.rating);
    cols.device_type.push(r.device_type);
    cols.page_context.push(r.page_context);
  }
  return { date, interactions: cols, products, users };
}

/** Back to rows, for the fold. */
export function unstageDay(staged: StagedDay): CleanDayData {
  const c = staged.interactions;
  const interactions: CleanInteraction[] = new Array(c.interaction_id.length);
  for (let i = 0; i < interactions.length; i++) {
    interactions[i] = {
      interaction_id: c.interaction_id[i] as string,
      user_id: c.user_id[i] as string,
      product_id: c.product_id[i] as string,
      interaction_type: c.interaction_type[i] as InteractionType,
      session_id: c.session_id[i] as string,
      timestamp: c.timestamp[i] as number,
      rating: c.rating[i] as number | null,
      device_type: c.device_type[i] as string,
      page_context: c.page_context[i] as string,
    };
  }
  return { date: staged.date, interactions, products: staged.products ?? [], users: staged.users ?? [] };
}
