import Foundation
import OAuthCore
import Testing

/// A token request body encoded as JSON (`--token-body json`): one member per parameter, a repeated parameter as
/// an array (RFC 8693 §2.1 and RFC 8707 §2 let audience and resource repeat; RFC 8259 §4 leaves a name given twice
/// to each parser).
@Suite struct TokenRequestJSONTests {
    static let builder = TokenRequestBuilder(tokenEndpoint: URL(string: "https://as.example/token")!,
                                             credentials: ClientCredentials(clientID: "c", clientSecret: Secret("s"), method: .clientSecretPost), bodyEncoding: .json)

    @Test("token exchange with two audiences and two resources: each name once, the repeated ones as arrays in order")
    func repeatedParametersAreArrays() throws {
        let spec = Self.builder.tokenExchange(TokenExchangeParameters(subjectToken: "st", audiences: ["a1", "a2"], resources: ["https://r1.example/", "https://r2.example/"], scope: "read"))
        let members = try #require(JSONValue.parse(spec.body)?.objectValue)
        let names = members.map(\.0)
        #expect(names.count == Set(names).count, "no member twice: \(names)")
        let body = JSONValue.object(members)
        #expect(body["audience"]?.arrayValue?.compactMap(\.stringValue) == ["a1", "a2"])
        #expect(body["resource"]?.arrayValue?.compactMap(\.stringValue) == ["https://r1.example/", "https://r2.example/"])
        #expect(body["scope"]?.stringValue == "read")
        #expect(body["subject_token"]?.stringValue == "st")
        #expect(body["client_id"]?.stringValue == "c")
    }

    @Test("a parameter given once stays a string, and the form encoding still repeats the field")
    func singleStaysString() throws {
        let json = Self.builder.tokenExchange(TokenExchangeParameters(subjectToken: "st", audiences: ["only"]))
        #expect(JSONValue.parse(json.body)?["audience"]?.stringValue == "only")
        var form = Self.builder
        form.bodyEncoding = .form
        let fields = FormURLEncoded.decode(form.tokenExchange(TokenExchangeParameters(subjectToken: "st", audiences: ["a1", "a2"])).body).fields
        #expect(fields.filter { $0.name == "audience" }.map(\.value) == ["a1", "a2"])
    }
}
