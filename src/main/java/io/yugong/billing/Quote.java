package io.yugong.billing;

/**
 * What a request may cost, worked out before it is forwarded.
 *
 * @param price the model's price, null for endpoints served at no charge
 * @param promptEstimate the tokenizer's count of the prompt (or input characters for speech)
 * @param hold the worst-case charge, held on the balance while the request runs
 * @param floor the prompt's part of the charge: what is charged if the request's node dies
 */
public record Quote(Endpoint endpoint, String model, ModelPrice price, long promptEstimate, long hold,
    long floor, int images, String imageSize, String imageQuality, long characters, OutputRoom room) {

  public Quote(Endpoint endpoint, String model, ModelPrice price, long promptEstimate, long hold,
      long floor, int images, String imageSize, String imageQuality, long characters) {
    this(endpoint, model, price, promptEstimate, hold, floor, images, imageSize, imageQuality, characters, null);
  }

  /**
   * How a request that sets no output limit may be shortened to fit a small balance: the hold
   * may shrink down to {@code minHold} (the prompt and {@link Tariff#MIN_OUTPUT_TOKENS} per
   * choice); the answer is then limited by setting {@code field} (see docs/billing.md, "Requests
   * without an output limit").
   *
   * @param paddedInput the input tokens the hold covers
   * @param choices the answers generated (n)
   * @param field the request's output-limit field for its endpoint
   * @param multiplier the price book's multiplier the hold was priced with
   */
  public record OutputRoom(long paddedInput, long choices, String field, long minHold, Rate multiplier) { }

  /** This quote with a smaller hold (and a floor no larger), as placed on a small balance. */
  public Quote withHold(long placed) {
    return new Quote(endpoint, model, price, promptEstimate, placed, Math.min(floor, placed), images,
        imageSize, imageQuality, characters, room);
  }

  /** The largest hold or charge a wallet takes: 2^53 nano-dollars, about 9 million USD. */
  public static final long MAX_CHARGE = Wallets.MAX_NANOS;

  /** False when the worst case is more than any balance can hold: the request is refused. */
  public boolean coverable() {
    return hold <= MAX_CHARGE && floor <= MAX_CHARGE;
  }

  public static Quote free(Endpoint e, String model) {
    return new Quote(e, model, null, 0, 0, 0, 0, null, null, 0);
  }
}
