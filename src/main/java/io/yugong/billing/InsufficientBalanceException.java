package io.yugong.billing;

/**
 * A transfer was refused because the paying account's available balance (balance minus held) is
 * short. Nothing changed.
 */
public final class InsufficientBalanceException extends RuntimeException {

  private final String accountId;
  private final long available;
  private final long needed;

  public InsufficientBalanceException(String accountId, long available, long needed) {
    super("account " + accountId + " has " + available + " nano-dollars available, needs " + needed);
    this.accountId = accountId;
    this.available = available;
    this.needed = needed;
  }

  public String accountId() {
    return accountId;
  }

  public long available() {
    return available;
  }

  public long needed() {
    return needed;
  }
}
