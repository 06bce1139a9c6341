import Foundation
import Hummingbird
import WhistleDomain

/// The dashboard's sign-in (CONTRACT §8): a form that takes an API token and keeps it in an
/// HttpOnly, SameSite=Strict session cookie, so the browser sends it to the dashboard and no
/// script can read it. `GET /login?token=…[&next=/path]` does the same in one step (the login URL
/// that `deploy/run.sh` prints): the token leaves the address bar at once through the redirect.
enum LoginPage {
    static func html(message: String?) -> String {
        let notice = message.map { "<p class=\"notice\">\(HTML.escape($0))</p>" } ?? ""
        return """
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>Whistle · 登录</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>
            body{font-family:"Noto Sans CJK SC",system-ui,sans-serif;background:#f4f5f7;margin:0;display:flex;justify-content:center}
            main{background:#fff;margin-top:10vh;padding:2rem 2.5rem;border-radius:8px;box-shadow:0 1px 4px #0002;max-width:36rem;width:100%}
            h1{font-size:1.4rem;margin:0 0 1rem} textarea{width:100%;height:8rem;font-family:monospace;font-size:.8rem}
            button{margin-top:1rem;padding:.5rem 1.5rem;font-size:1rem} .notice{color:#b42318}
            </style></head>
            <body><main><h1>街道吹哨、部门报到 · Whistle</h1>
            \(notice)
            <form method="post" action="/login">
            <label for="token">访问令牌 · API token (<code>whistlectl token issue --department CODE</code>)</label>
            <textarea id="token" name="token" required autocomplete="off" spellcheck="false"></textarea>
            <button type="submit">登录 · Sign in</button>
            </form></main></body></html>
            """
    }

    static func response(message: String?, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html(message: message))))
    }
}

/// The session cookie that holds the dashboard's token.
enum SessionCookie {
    static let name = "whistle_session"

    /// The token in the request's `Cookie` header, if any.
    static func token(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name else { continue }
                let value = parts[1].trimmingCharacters(in: .whitespaces)
                if !value.isEmpty { return value }
            }
        }
        return nil
    }

    /// `Set-Cookie` that keeps `token` for `maxAge` seconds (0 clears it).
    static func header(token: String, maxAge: Int, secure: Bool) -> String {
        "\(name)=\(token); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }
}

/// `GET /login`, `POST /login`, `POST /logout`.
struct LoginRoutes {
    let verifier: APITokenVerifier
    let middleware: AuthenticationMiddleware
    let secureCookie: Bool

    func add(to router: Router<APIRequestContext>) {
        router.get("login") { request, _ -> Response in
            guard let token = request.uri.queryParameters.get("token") else { return LoginPage.response(message: nil) }
            return await signIn(token: token, next: request.uri.queryParameters.get("next"))
        }
        router.post("login") { request, context -> Response in
            let body = try await request.body.collect(upTo: 64 * 1024)
            let form = URLEncodedForm.fields(String(buffer: body))
            return await signIn(token: form["token"] ?? "", next: form["next"])
        }
        router.post("logout") { _, _ -> Response in
            var response = Response(status: .seeOther, headers: [.location: "/login"])
            response.headers[.setCookie] = SessionCookie.header(token: "", maxAge: 0, secure: secureCookie)
            return response
        }
    }

    /// Checks the token as every request is checked; a good one becomes the session cookie, and
    /// the browser goes on to `next` when it is a path of this site (never another site).
    func signIn(token: String, next: String?) async -> Response {
        let token = token.trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            let verified = try await verifier.verified(token: token)
            try await middleware.known(verified.principal)
            let seconds = max(0, Int(verified.expires.timeIntervalSinceNow))
            let target = next.flatMap { $0.hasPrefix("/") && !$0.hasPrefix("//") && !$0.contains("\\") ? $0 : nil } ?? "/"
            var response = Response(status: .seeOther, headers: [.location: target])
            response.headers[.setCookie] = SessionCookie.header(token: token, maxAge: seconds, secure: secureCookie)
            return response
        } catch {
            return LoginPage.response(message: "登录失败 · Sign-in failed: \(error)", status: .unauthorized)
        }
    }
}

/// `application/x-www-form-urlencoded` bodies.
enum URLEncodedForm {
    static func fields(_ body: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ") }
            guard let key = parts.first?.removingPercentEncoding else { continue }
            out[key] = parts.count > 1 ? parts[1].removingPercentEncoding ?? "" : ""
        }
        return out
    }
}
