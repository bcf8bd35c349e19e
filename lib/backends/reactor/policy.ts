/**
 * How long the reactor polls on the JS thread before it hands a wait to the
 * worker thread: the spin budget, and how it adapts.
 *
 * A wait handed to the worker thread costs a hand-off between threads both
 * ways (tens of µs on a VM); a zero-timeout poll on the JS thread costs about
 * one µs. So when answers come quickly (ping-pong, a busy server) the reactor
 * polls on the JS thread for a short budget first, and only parks (hands the
 * wait to the worker) when the budget is spent. The adaptive budget doubles
 * (up to a cap) while waits end within it and halves (down to nothing) when
 * they do not, so an idle program parks at once and burns no CPU. From
 * nothing it takes its first step after parked waits that ended within the
 * cap (a spin would have caught them): one at first, twice as many each time
 * spinning fell back to nothing (up to 64), half as many after each spin that
 * found its answer. Where a spin cannot be answered (client and server on
 * one core: the answer needs the CPU the spin holds), it is tried ever more
 * rarely.
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
/** The most quick parks asked for before spinning again. */
export const SPIN_MAX_PATIENCE = 64;
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
 * policy.parked(30); // a parked wait ended after 30 µs: a spin would have caught it
 * console.log(policy.budgetUs); // 10
 * policy.spun(true); // the next wait ended within its 10 µs spin
 * console.log(policy.budgetUs); // 20
 * ```
 */
export class SpinPolicy {
  #setting: SpinSetting;
  #budget: number;
  /** Quick parks needed before the budget steps up from nothing, and seen so far. */
  #patience = 1;
  #quick = 0;

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
   * A wait spun for its budget: `found` if a poll on the JS thread found it
   * ready within the budget (the budget doubles, up to `SPIN_CAP_US`), else
   * it was parked once the budget was spent (the budget halves, and below
   * `SPIN_STEP_US` falls to nothing).
   */
  spun(found: boolean): void {
    if (this.#setting !== "adaptive" || this.#budget === 0) return;
    if (found) {
      this.#budget = Math.min(SPIN_CAP_US, this.#budget * 2);
      this.#patience = Math.max(1, this.#patience / 2);
    } else if (this.#budget / 2 >= SPIN_STEP_US) {
      this.#budget /= 2;
    } else {
      this.#budget = 0;
      this.#patience = Math.min(SPIN_MAX_PATIENCE, this.#patience * 2);
    }
  }

  /**
   * A wait was parked at once (a budget of nothing) and ended after
   * `waitedUs`: within the cap, a spin would have caught it; after `patience`
   * such waits in a row the budget takes its first step (`SPIN_STEP_US`).
   */
  parked(waitedUs: number): void {
    if (this.#setting !== "adaptive" || this.#budget !== 0) return;
    if (waitedUs > SPIN_CAP_US) {
      this.#quick = 0;
    } else if (++this.#quick >= this.#patience) {
      this.#quick = 0;
      this.#budget = SPIN_STEP_US;
    }
  }
}
