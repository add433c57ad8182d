package io.yugong.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccessRulesTest {

  private static InetAddress ip(String s) throws Exception {
    return InetAddress.getByName(s);
  }

  @Test
  void cidrBlocksMatchIpv4Ipv6AndMappedAddresses() throws Exception {
    AccessRules r = new AccessRules(List.of(), List.of(), List.of("10.0.0.0/8", "2001:db8::/32"), List.of());
    assertThat(r.allowsIp(ip("10.20.30.40"))).isTrue();
    assertThat(r.allowsIp(ip("11.0.0.1"))).isFalse();
    assertThat(r.allowsIp(ip("2001:db8::1"))).isTrue();
    assertThat(r.allowsIp(ip("::ffff:10.1.1.1"))).isTrue();
    assertThat(r.allowsIp(ip("2001:db9::1"))).isFalse();
  }

  @Test
  void denyWinsAndStarDeniesAll() throws Exception {
    AccessRules r = new AccessRules(List.of(), List.of(), List.of("10.0.0.0/8"), List.of("10.1.0.0/16"));
    assertThat(r.allowsIp(ip("10.1.2.3"))).isFalse();
    assertThat(r.allowsIp(ip("10.2.2.3"))).isTrue();
    assertThat(new AccessRules(List.of(), List.of(), List.of(), List.of("*")).allowsIp(ip("127.0.0.1"))).isFalse();
  }

  @Test
  void modelsByNameAndPrefixWithDenyStarBlockingEverything() {
    AccessRules r = new AccessRules(List.of("gpt-4o*", "o3-mini"), List.of("gpt-4o-audio*"), List.of(), List.of());
    assertThat(r.allowsModel("gpt-4o-mini")).isTrue();
    assertThat(r.allowsModel("o3-mini")).isTrue();
    assertThat(r.allowsModel("o3")).isFalse();
    assertThat(r.allowsModel("gpt-4o-audio-preview")).isFalse();
    assertThat(new AccessRules(List.of(), List.of("*"), List.of(), List.of()).allowsModel("gpt-4o")).isFalse();
    assertThat(AccessRules.OPEN.allowsModel("anything")).isTrue();
  }

  @Test
  void aModelRuleCoversTheNamesDatedSnapshotsAndIgnoresCase() {
    AccessRules deny = new AccessRules(List.of(), List.of("gpt-4o", "gpt-4"), List.of(), List.of());
    assertThat(deny.allowsModel("gpt-4o")).isFalse();
    assertThat(deny.allowsModel("GPT-4o")).isFalse();
    assertThat(deny.allowsModel("gpt-4o-2024-08-06")).isFalse();
    assertThat(deny.allowsModel("gpt-4-0613")).isFalse();
    assertThat(deny.allowsModel("gpt-4o-mini")).isTrue();
    assertThat(deny.allowsModel("gpt-4o-mini-2024-07-18")).isTrue();
    assertThat(deny.allowsModel("gpt-4.1")).isTrue();
    AccessRules allow = new AccessRules(List.of("gpt-4o-mini", "O3*"), List.of(), List.of(), List.of());
    assertThat(allow.allowsModel("gpt-4o-mini-2024-07-18")).isTrue();
    assertThat(allow.allowsModel("o3-pro")).isTrue();
    assertThat(allow.allowsModel("gpt-4o")).isFalse();
  }

  @Test
  void malformedAddressesAreRefused() {
    assertThatThrownBy(() -> AccessRules.Cidr.parse("example.com")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AccessRules.Cidr.parse("10.0.0.0/40")).isInstanceOf(IllegalArgumentException.class);
  }
}
