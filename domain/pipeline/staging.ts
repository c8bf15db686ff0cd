import { userShard } from '../features/shards';
import { type InteractionColumns, emptyInteractionColumns, appendInteraction } from '../features/day-columns';
import type {
  EventDayProducts,
  InteractionFeatureColumns,
  ItemDayDelta,
  UserDay,
  UserDayRows,
} from '../features/fold';
import type { EventDayAttributes } from '../features/interaction-features';
import type { ItemAggregates } from '../features/item-features';
import type { UserFeatures } from '../features/user-features';
import { ITEM_AGGREGATE_COLUMNS, USER_FEATURE_COLUMNS } from '../features/columns';
import type { CleanInteraction, CleanProduct, CleanUser } from '../schemas/clean';

/**
 * What the stages hand each other through the lake's staging area (`staging/run_id=<id>/`), all of
 * it column-wise JSON: cheap to write and parse, exact for numbers, and never in a state payload.
 */

/** The event-day attributes of a set of products, column-wise. */
interface ProductColumns {
  readonly product_id: string[];
  readonly category: string[];
  readonly subcategory: string[];
  readonly brand: string[];
  readonly price: (number | null)[];
}

/** One day of one user shard: its clean interactions, their place in the day, their products, its profiles. */
export interface StagedShardDay {
  readonly date: string;
  readonly shard: number;
  /** Each row's 0-based position among the day's interactions (all shards). */
  readonly index: number[];
  readonly interactions: InteractionColumns;
  readonly products: ProductColumns;
  /** The day's user snapshot rows of the shard's users. */
  readonly users: CleanUser[];
}

/** A day's item deltas with its cleaned product snapshot. */
export interface StagedItemDay {
  readonly delta: ItemDayDelta;
  readonly snapshot: readonly CleanProduct[];
}

/** Item aggregates as of D of every active product of the snapshot for D - 1, column-wise. */
export type StagedItemFeatures = { readonly product_id: string[] } & {
  readonly [K in keyof ItemAggregates]: ItemAggregates[K][];
};

/** What one shard's user fold emitted for a day's training rows. */
export interface StagedShardRows {
  readonly features: InteractionFeatureColumns;
  readonly users: { readonly user_id: string[] } & { readonly [K in keyof UserFeatures]: UserFeatures[K][] };
}

function emptyProductColumns(): ProductColumns {
  return { product_id: [], category: [], subcategory: [], brand: [], price: [] };
}

/**
 * Splits a day's clean interactions (sorted) into user shards, each row keeping its position in the
 * day and each shard the attributes of the products it touches and its users' snapshot rows.
 */
export function shardDay(
  date: string,
  interactions: readonly CleanInteraction[],
  products: EventDayProducts,
  users: readonly CleanUser[],
  shardCount: number,
): StagedShardDay[] {
  const shards = Array.from({ length: shardCount }, (_, shard) => ({
    date,
    shard,
    index: [] as number[],
    interactions: emptyInteractionColumns(),
    products: emptyProductColumns(),
    users: [] as CleanUser[],
  }));
  const shardOfUser = new Map<string, number>();
  const touched = shards.map(() => new Set<string>());
  interactions.forEach((x, i) => {
    let s = shardOfUser.get(x.user_id);
    if (s === undefined) {
      s = userShard(x.user_id, shardCount);
      shardOfUser.set(x.user_id, s);
    }
    const shard = shards[s] as (typeof shards)[number];
    shard.index.push(i);
    appendInteraction(shard.interactions, x);
    const seen = touched[s] as Set<string>;
    if (seen.has(x.product_id)) return;
    seen.add(x.product_id);
    const p = products.get(x.product_id);
    if (p === undefined)
      throw new RangeError(
        `product ${x.product_id} of interaction ${x.interaction_id} is not in the snapshot for ${date}`,
      );
    shard.products.product_id.push(x.product_id);
    shard.products.category.push(p.category);
    shard.products.subcategory.push(p.subcategory);
    shard.products.brand.push(p.brand);
    shard.products.price.push(p.price);
  });
  for (const u of users)
    (
      shards[shardOfUser.get(u.user_id) ?? userShard(u.user_id, shardCount)] as (typeof shards)[number]
    ).users.push(u);
  return shards;
}

/** A shard's profiles from a user snapshot. */
export function shardUsers(users: readonly CleanUser[], shard: number, shardCount: number): CleanUser[] {
  return users.filter((u) => userShard(u.user_id, shardCount) === shard);
}

/** A staged shard day as the user fold reads it. */
export function userDayOf(staged: StagedShardDay): UserDay {
  const p = staged.products;
  const products = new Map<string, EventDayAttributes>();
  for (let i = 0; i < p.product_id.length; i++)
    products.set(p.product_id[i] as string, {
      category: p.category[i] as string,
      subcategory: p.subcategory[i] as string,
      brand: p.brand[i] as string,
      price: p.price[i] as number | null,
    });
  return { date: staged.date, interactions: staged.interactions, products, users: staged.users };
}

/** Item aggregates column-wise. */
export function stageItemFeatures(items: ReadonlyMap<string, ItemAggregates>): StagedItemFeatures {
  const out: Record<string, unknown[]> = { product_id: [...items.keys()] };
  for (const c of ITEM_AGGREGATE_COLUMNS) out[c.name] = [...items.values()].map((f) => f[c.name]);
  return out as unknown as StagedItemFeatures;
}

/** Item aggregates back by product id. */
export function unstageItemFeatures(staged: StagedItemFeatures): Map<string, ItemAggregates> {
  const out = new Map<string, ItemAggregates>();
  staged.product_id.forEach((id, i) => {
    const f: Record<string, unknown> = {};
    for (const c of ITEM_AGGREGATE_COLUMNS) f[c.name] = staged[c.name][i];
    out.set(id, f as unknown as ItemAggregates);
  });
  return out;
}

/** A user fold's day output, column-wise. */
export function stageShardRows(rows: UserDayRows): StagedShardRows {
  const users: Record<string, unknown[]> = { user_id: [...rows.users.keys()] };
  for (const c of USER_FEATURE_COLUMNS) users[c.name] = [...rows.users.values()].map((u) => u[c.name]);
  return { features: rows.features, users: users as unknown as StagedShardRows['users'] };
}

/** A user fold's day output back. */
export function unstageShardRows(staged: StagedShardRows): UserDayRows {
  const users = new Map<string, UserFeatures>();
  staged.users.user_id.forEach((id, i) => {
    const f: Record<string, unknown> = {};
    for (const c of USER_FEATURE_COLUMNS) f[c.name] = staged.users[c.name][i];
    users.set(id, f as unknown as UserFeatures);
  });
  return { features: staged.features, users };
}
