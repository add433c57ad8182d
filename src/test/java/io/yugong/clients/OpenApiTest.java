package io.yugong.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.yugong.testing.TestCluster;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code /openapi.json} describes exactly the routes the node mounts, and {@code /docs} shows it in
 * Swagger UI served by the node itself, under a strict Content-Security-Policy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiTest {

  private static final List<String> METHODS = List.of("get", "put", "post", "delete", "patch", "head", "options");

  private TestCluster c;
  private JsonObject doc;
  private List<Mount> mounts;

  /** A route as the document must show it: methods (empty: any), an OpenAPI path template, prefix or regex. */
  private record Mount(Set<String> methods, String template, boolean prefix, Pattern regex) {

    boolean matches(String concrete) {
      if (regex != null) {
        return regex.matcher(concrete).matches();
      }
      return prefix ? concrete.startsWith(template) : concrete.equals(template);
    }

    @Override
    public String toString() {
      return (methods.isEmpty() ? "ANY" : String.join(",", methods)) + " "
          + (regex != null ? "~" + regex.pattern() : template + (prefix ? "*" : ""));
    }
  }

  @BeforeAll
  void start() throws Exception {
    c = TestCluster.start(1);
    HttpResponse<String> r = c.call(0, "GET", "/openapi.json", null, null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/json");
    doc = new JsonObject(r.body());
    mounts = new ArrayList<>();
    for (Route route : c.nodes.get(0).routes()) {
      Set<String> methods = route.methods() == null ? Set.of()
          : route.methods().stream().map(m -> m.name().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
      String name = route.getName();
      if (route.isRegexPath() && name != null && !name.matches("[/\\w:.-]+")) {
        mounts.add(new Mount(methods, null, false, Pattern.compile(name)));
      } else if (route.getPath() != null || route.isRegexPath() && name != null) {
        // a path with parameters (/admin/keys/:id) is a regex route named by its path
        String path = route.getPath() != null ? route.getPath() : name;
        String template = path.replaceAll(":(\\w+)", "{$1}");
        mounts.add(new Mount(methods, template, route.getPath() != null && !route.isExactPath(), null));
      }
      // a route with neither (the request guards, the last 404) serves every path the same way
    }
  }

  @AfterAll
  void stop() throws Exception {
    if (c != null) {
      c.close();
    }
  }

  private JsonObject paths() {
    return doc.getJsonObject("paths");
  }

  private static String concrete(String template) {
    return template.replaceAll("\\{\\w+}", "x");
  }

  @Test
  void theDocumentIsOpenApi31WithTheKeysAsBearerSchemes() {
    assertThat(doc.getString("openapi")).startsWith("3.1.");
    JsonObject schemes = doc.getJsonObject("components").getJsonObject("securitySchemes");
    assertThat(schemes.fieldNames()).contains("adminKey", "accountKey", "metricsToken");
    assertThat(paths().fieldNames()).contains("/admin/keys", "/x-users", "/x-dna", "/x-self", "/dashboard/x_user/info",
        "/dashboard/billing/subscription", "/v1/dashboard/billing/usage", "/healthz", "/metrics", "/v1/{path}");
  }

  @Test
  void everyRouteTheRouterMountsIsInTheDocument() {
    List<String> missing = new ArrayList<>();
    for (Mount m : mounts) {
      List<String> candidates = paths().fieldNames().stream()
          .filter(p -> m.regex != null ? m.matches(concrete(p)) : m.prefix ? p.startsWith(m.template) : p.equals(m.template))
          .toList();
      if (candidates.isEmpty()) {
        missing.add(m.toString());
        continue;
      }
      for (String method : m.methods) {
        if (candidates.stream().noneMatch(p -> paths().getJsonObject(p).containsKey(method))) {
          missing.add(m + " (" + method + ")");
        }
      }
    }
    assertThat(missing).as("mounted but not described; mounts: " + mounts).isEmpty();
  }

  @Test
  void everyOperationInTheDocumentIsARouteTheRouterMounts() {
    List<String> unrouted = new ArrayList<>();
    for (String path : paths().fieldNames()) {
      JsonObject item = paths().getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (!METHODS.contains(method)) {
          continue;
        }
        String concrete = concrete(path);
        boolean passthrough = item.getJsonObject(method).getBoolean("x-yugong-passthrough", false);
        boolean routed = passthrough
            // relayed upstream whatever the method: a route for any method that takes the path
            ? mounts.stream().anyMatch(m -> m.methods.isEmpty() && (m.prefix || m.regex != null) && m.matches(concrete))
            // Yugong's own: a route for exactly this method and path
            : mounts.stream().anyMatch(m -> m.methods.contains(method) && m.regex == null
                && (m.prefix ? concrete.startsWith(m.template) && !concrete.equals(m.template) : m.template.equals(path)));
        if (!routed) {
          unrouted.add(method.toUpperCase(Locale.ROOT) + " " + path);
        }
      }
    }
    assertThat(unrouted).as("described but not mounted; mounts: " + mounts).isEmpty();
  }

  @Test
  void swaggerUiIsServedByTheNodeUnderAStrictPolicy() throws Exception {
    for (String path : List.of("/docs", "/docs/")) {
      HttpResponse<String> page = c.call(0, "GET", path, null, null);
      assertThat(page.statusCode()).as(path).isEqualTo(200);
      assertThat(page.headers().firstValue("content-type").orElse("")).startsWith("text/html");
      String csp = page.headers().firstValue("content-security-policy").orElse("");
      assertThat(csp).contains("script-src 'self'", "default-src 'none'").doesNotContain("unsafe-inline", "unsafe-eval");
      // every script is a file of the node's own: none inline, none from elsewhere
      assertThat(page.body()).doesNotContainPattern("<script(?![^>]*\\ssrc=\"/docs/)").doesNotContain("http://",
          "https://");
      for (String asset : Pattern.compile("(?:src|href)=\"(/docs/[^\"]+)\"").matcher(page.body()).results()
          .map(r -> r.group(1)).toList()) {
        HttpResponse<String> a = c.call(0, "GET", asset, null, null);
        assertThat(a.statusCode()).as(asset).isEqualTo(200);
        assertThat(a.body()).as(asset).isNotEmpty();
      }
    }
    HttpResponse<String> init = c.call(0, "GET", "/docs/yugong-docs.js", null, null);
    assertThat(init.body()).contains("/openapi.json").doesNotContain("petstore");
    assertThat(init.headers().firstValue("content-type").orElse("")).contains("javascript");
    HttpResponse<String> bundle = c.call(0, "GET", "/docs/swagger-ui-bundle.js", null, null);
    assertThat(bundle.headers().firstValue("content-type").orElse("")).contains("javascript");
    assertThat(bundle.body()).contains("SwaggerUIBundle");
    // the WebJar's own initializer (a demo API) is not served
    assertThat(c.call(0, "GET", "/docs/swagger-initializer.js", null, null).statusCode()).isEqualTo(404);
  }
}
