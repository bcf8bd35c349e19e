/**
 * How long the reactor polls on the JS thread before it hands a wait to the
 * worker thread: the spin budget, and how it adapts.
 *
 * A wait handed to the worker thread costs a hand-off between threads both
 * ways (tens of µs on a VM); a zero-timeout poll on the JS thread costs about
 * one µs. So when answers come quickly (ping-pong, a busy server) the reactor
 * polls on the JS thread for a short budget first, and only parks (hands the
 * wait to the worker) when the budget is spent. The adaptive budget grows
 * (×2, up to a cap) while waits end within the cap and halves (down to
 * nothing) when they do not, so an idle program parks at once and burns no
 * CPU.
 *
 * @module
 */

/**
 * The spin setting of one `openWinsock`: `"adaptive"` (the default), `"off"`
 * (every wait parks at once, as before), or a fixed budget in microseconds.
 */
export type SpinSetting = "adaptive" | "off" | number;

/** The adaptive budget's ceiling (µs): above a cross-core round trip on a VM. */
export const SPIN_CAP_US = 200;
/** The first step up from nothing, and the floor below which it falls to nothing (µs). */
export const SPIN_STEP_US = 10;
/** The largest fixed budget accepted (µs): timers are never held up longer. */
export const SPIN_MAX_FIXED_US = 10_000;

/**
 * The spin budget of one reactor.
 *
 * @example
 * ```ts
 * import { SpinPolicy } from "./policy.ts";
 * const policy = new SpinPolicy("adaptive");
 * console.log(policy.budgetUs); // 0: an idle program parks at once
 * policy.record(30); // a wait ended after 30 µs, within the cap
 * console.log(policy.budgetUs); // 10
 * ```
 */
export class SpinPolicy {
  #setting: SpinSetting;
  #budget: number;

  /** A policy; throws a `RangeError` for a fixed budget that is not 0–10,000 µs. */
  constructor(setting: SpinSetting = "adaptive") {
    if (typeof setting === "number") {
      if (!Number.isFinite(setting) || setting < 0 || setting > SPIN_MAX_FIXED_US) {
        throw new RangeError(
          `spin: a fixed budget is 0 to ${SPIN_MAX_FIXED_US} µs, not ${setting}`,
        );
      }
    } else if (setting !== "adaptive" && setting !== "off") {
      throw new RangeError(`spin: "adaptive", "off" or microseconds, not ${String(setting)}`);
    }
    this.#setting = setting;
    this.#budget = typeof setting === "number" ? setting : 0;
  }

  /** The setting it was made with. */
  get setting(): SpinSetting {
    return this.#setting;
  }

  /** How long (µs) the next wait polls on the JS thread before it parks. */
  get budgetUs(): number {
    return this.#budget;
  }

  /**
   * Tells how long (µs) the last wait lasted, from its first poll to its
   * answer, whether a poll on the JS thread or the worker thread found it:
   * within the cap the budget doubles (from nothing to `SPIN_STEP_US`), past it
   * the budget halves (below `SPIN_STEP_US`, to nothing).
   */
  record(waitedUs: number): void {
    if (this.#setting !== "adaptive") return;
    if (waitedUs <= SPIN_CAP_US) {
      this.#budget = Math.min(SPIN_CAP_US, Math.max(SPIN_STEP_US, this.#budget * 2));
    } else {
      const half = this.#budget / 2;
      this.#budget = half < SPIN_STEP_US ? 0 : half;
    }
  }
}
