package io.yugong.billing;

/** The account a money operation names is deleted, or being deleted. */
public final class AccountGoneException extends RuntimeException {
  public AccountGoneException() {
    super("The account is deleted.", null, false, false);
  }
}
