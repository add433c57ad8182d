package io.yugong.billing;

/** A wallet's Rates changed while an operation converted at the old one: reload and try again. */
public final class RatesChangedException extends RuntimeException {
  public RatesChangedException() {
    super("The account's Rates changed meanwhile; try again.", null, false, false);
  }
}
