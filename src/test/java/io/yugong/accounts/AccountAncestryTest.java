package io.yugong.accounts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An account is usable only with exactly the ancestors its path names, root first: read from the
 * path in place on every request, so ids that are prefixes of one another must not pass for each
 * other, and a chain one account short or long fails.
 */
class AccountAncestryTest {

  private static Account account(String path) {
    String id = path.substring(path.lastIndexOf('/') + 1);
    return Account.fromHash(Map.of("id", id, "path", path, "status", "active"));
  }

  @Test
  void theChainThePathNamesIsCompleteAndNoOtherIs() {
    Account root = account("1");
    Account twelve = account("1/12");
    Account leaf = account("1/12/123");
    assertTrue(root.withAncestors(List.of()).usable());
    assertTrue(twelve.withAncestors(List.of(root)).usable());
    assertTrue(leaf.withAncestors(List.of(root, twelve)).usable());

    assertFalse(leaf.withAncestors(List.of(root)).usable(), "a parent missing");
    assertFalse(leaf.withAncestors(List.of(twelve)).usable(), "the root missing");
    assertFalse(leaf.withAncestors(List.of(root, account("1/1"))).usable(), "a prefix of the parent's id");
    assertFalse(leaf.withAncestors(List.of(root, account("1/123"))).usable(), "an id the parent's is a prefix of");
    assertFalse(twelve.withAncestors(List.of(root, root)).usable(), "one too many");
    assertFalse(twelve.withAncestors(List.of()).usable(), "none at all");
    assertFalse(leaf.withAncestors(List.of(twelve, root)).usable(), "in the wrong order");
  }

  @Test
  void onlyTheRootAndItsChildrenHaveNoCustomerAbove() {
    assertTrue(account("1").belowNoCustomer());
    assertTrue(account("1/12").belowNoCustomer());
    assertFalse(account("1/12/123").belowNoCustomer());
    assertEquals(List.of("12"), account("1/12/123").ancestorIdsBelowRoot());
  }
}
