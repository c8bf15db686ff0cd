import type { InteractionType } from './records';

/** A cleaned interaction (data-contract.md §4): ids normalised, keys lowercased, time in epoch ms (UTC). */
export interface CleanInteraction {
  readonly interaction_id: string;
  readonly user_id: string;
  readonly product_id: string;
  readonly interaction_type: InteractionType;
  readonly session_id: string;
  readonly timestamp: number;
  readonly rating: number | null;
  readonly device_type: string;
  readonly page_context: string;
}

/** A cleaned product of a snapshot: category keys lowercased, price numeric and imputed. */
export interface CleanProduct {
  readonly product_id: string;
  readonly name: string;
  readonly category: string;
  readonly subcategory: string;
  readonly brand: string;
  readonly price: number | null;
  readonly description: string | null;
  readonly attributes: Record<string, unknown> | null;
  readonly avg_rating: number | null;
  readonly num_reviews: number | null;
  readonly created_at: number;
  readonly is_active: boolean;
}

/** A cleaned user profile of a snapshot. */
export interface CleanUser {
  readonly user_id: string;
  readonly age_group: string;
  readonly gender: string | null;
  readonly location: string;
  readonly join_date: number;
  readonly customer_segment: string;
  readonly preferences: Record<string, unknown> | null;
}
