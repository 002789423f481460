/*
 * fixtures_envelopes — one valid envelope per body of Envelope's oneof, in
 * canonical proto3 JSON (what codec_json writes: lowerCamelCase keys, no
 * default values, 64-bit integers as strings, enums by name, base64 bytes).
 * Fictional people and places. Shared by test_codec_json and test_validate.
 */
#ifndef FAMLINK_FIXTURES_ENVELOPES_H
#define FAMLINK_FIXTURES_ENVELOPES_H

#include "famlink.pb-c.h"

typedef struct fixture {
	int body_case;          /* FAMLINK__V1__ENVELOPE__BODY_* */
	const char *json;
} fixture_t;

/* municipality → pool header; body follows. */
#define M2P(id, seq) "\"messageId\":\"" id "\",\"schemaVersion\":1," \
	"\"sender\":\"municipality:0180\",\"recipient\":\"pool:stockholm-nord\"," \
	"\"createdAtMs\":\"1767605400000\",\"referralId\":\"0180-2026-0042\"," \
	"\"sequence\":\"" seq "\","
#define P2M(id, seq) "\"messageId\":\"" id "\",\"schemaVersion\":1," \
	"\"sender\":\"pool:stockholm-nord\",\"recipient\":\"municipality:0180\"," \
	"\"createdAtMs\":\"1767691800000\",\"referralId\":\"0180-2026-0042\"," \
	"\"sequence\":\"" seq "\",\"answersMessageId\":\"01KE2Q7Z9K3M5N7P9R1T3V5X7Z\","

static const fixture_t fixtures[] = {
{ FAMLINK__V1__ENVELOPE__BODY_REFERRAL, "{" M2P("01KE2Q7Z9K3M5N7P9R1T3V5X7Z", "12")
  "\"confidential\":true,\"referral\":{\"referralId\":\"0180-2026-0042\","
  "\"kind\":\"REFERRAL_KIND_FOSTER_HOME\",\"urgency\":\"URGENCY_URGENT\","
  "\"decision\":{\"taken\":true,\"decidedOn\":\"2026-01-02\",\"legalBasis\":\"LEGAL_BASIS_SOL\"},"
  "\"child\":{\"alias\":\"Åsa\",\"birthYear\":2015,\"gender\":\"GENDER_GIRL\","
  "\"languages\":[\"svenska\",\"arabiska\"],"
  "\"needs\":\"Behöver lugn miljö, van vid hund. Går i årskurs 5.\","
  "\"siblingsToPlaceTogether\":1,\"areaWishes\":\"Norra Stockholm, nära skolan i Solna\","
  "\"wishedStart\":\"2026-02-01\",\"expectedLength\":\"Långsiktigt, minst två år\"},"
  "\"compensation\":{\"level\":\"Grundarvode nivå 2\",\"lossOfIncomeConsidered\":true,"
  "\"lossOfIncomeNote\":\"Prövas individuellt\"},"
  "\"secretary\":{\"name\":\"Karin Öberg\",\"phone\":\"08-508 250 00\","
  "\"email\":\"karin.oberg@stockholm.example\"},"
  "\"caseReference\":\"SoN 2026/0042-1\"}}" },
{ FAMLINK__V1__ENVELOPE__BODY_REFERRAL_ACK, "{" P2M("01KE4B2C3D4E5F6G7H8J9K0M1N", "5")
  "\"referralAck\":{\"referralId\":\"0180-2026-0042\",\"receivedAtMs\":\"1767605460000\","
  "\"poolContact\":{\"name\":\"Lars Ängström\",\"phone\":\"070-123 45 67\","
  "\"email\":\"lars.angstrom@nordvast.example\"}}}" },
{ FAMLINK__V1__ENVELOPE__BODY_REFERRAL_REJECTED, "{" P2M("01KE4B2C3D4E5F6G7H8J9K0M1P", "6")
  "\"referralRejected\":{\"referralId\":\"0180-2026-0042\",\"reason\":\"REJECTION_REASON_NO_DECISION\","
  "\"explanation\":\"Beslut om placering saknas i förfrågan.\"}}" },
{ FAMLINK__V1__ENVELOPE__BODY_INFO_REQUEST, "{" P2M("01KE4B2C3D4E5F6G7H8J9K0M1Q", "7")
  "\"infoRequest\":{\"referralId\":\"0180-2026-0042\",\"questionId\":\"q-1\","
  "\"text\":\"Har barnet regelbunden kontakt med sina föräldrar?\"}}" },
{ FAMLINK__V1__ENVELOPE__BODY_INFO_REPLY, "{" M2P("01KE4B2C3D4E5F6G7H8J9K0M1R", "13")
  "\"infoReply\":{\"referralId\":\"0180-2026-0042\",\"questionId\":\"q-1\","
  "\"text\":\"Ja, umgänge varannan helg med stöd från socialtjänsten.\"}}" },
{ FAMLINK__V1__ENVELOPE__BODY_AD_PROPOSAL, "{" P2M("01KE4B2C3D4E5F6G7H8J9K0M1S", "8")
  "\"adProposal\":{\"referralId\":\"0180-2026-0042\",\"adId\":\"ad-7\","
  "\"channel\":\"AD_CHANNEL_FAMILJEHEMSBANKEN\","
  "\"draftText\":\"Vi söker en trygg familj för en flicka på tio år som älskar hästar.\"}}" },
{ FAMLINK__V1__ENVELOPE__BODY_AD_DECISION, "{" M2P("01KE4B2C3D4E5F6G7H8J9K0M1T", "14")
  "\"adDecision\":{\"referralId\":\"0180-2026-0042\",\"adId\":\"ad-7\","
  "\"verdict\":\"AD_VERDICT_REVISE\","
  "\"revisedText\":\"Vi söker en trygg familj i norra Stockholm för en tioåring.\"}}" },
{ FAMLINK__V1__ENVELOPE__BODY_FAMILY_PROPOSAL, "{" P2M("01KE4B2C3D4E5F6G7H8J9K0M1V", "9")
  "\"familyProposal\":{\"referralId\":\"0180-2026-0042\",\"proposalId\":\"p-3\","
  "\"family\":{\"summary\":\"Par i 40-årsåldern med en egen son, hund och stort hus.\","
  "\"adults\":2,\"childrenInHome\":1,\"languages\":[\"svenska\",\"finska\"],"
  "\"area\":\"Sollentuna\",\"experience\":\"Jourhem sedan 2019.\"},"
  "\"rationale\":\"Nära skolan, van vid barn i samma ålder.\"}}" },
{ FAMLINK__V1__ENVELOPE__BODY_PROPOSAL_DECISION, "{" M2P("01KE4B2C3D4E5F6G7H8J9K0M1W", "15")
  "\"proposalDecision\":{\"referralId\":\"0180-2026-0042\",\"proposalId\":\"p-3\","
  "\"verdict\":\"PROPOSAL_VERDICT_PROCEED\",\"reason\":\"Matchar barnets behov väl.\"}}" },
{ FAMLINK__V1__ENVELOPE__BODY_FAMILY_CONSENT, "{" P2M("01KE4B2C3D4E5F6G7H8J9K0M1X", "10")
  "\"confidential\":true,\"familyConsent\":{\"referralId\":\"0180-2026-0042\",\"proposalId\":\"p-3\","
  "\"consentGiven\":true,\"familyContact\":{\"name\":\"Maria och Johan Lindqvist\","
  "\"phone\":\"073-555 12 34\",\"email\":\"lindqvist@example.se\"},"
  "\"basicInvestigation\":{\"mediaType\":\"application/pdf\","
  "\"content\":\"JVBERi0xLjcKJSBHcnVuZHV0cmVkbmluZyAoZmlrdGl2IHRlc3RkYXRhKQo=\","
  "\"sha256\":\"M0NtydUcc1xNmiWZrO+h/SkcH8npeJnqRmFmH/fKWmQ=\","
  "\"filename\":\"grundutredning-lindqvist.pdf\"}}}" },
{ FAMLINK__V1__ENVELOPE__BODY_CONTACT_MADE, "{" M2P("01KE4B2C3D4E5F6G7H8J9K0M1Y", "16")
  "\"contactMade\":{\"referralId\":\"0180-2026-0042\",\"proposalId\":\"p-3\","
  "\"contactedOn\":\"2026-03-02\"}}" },
{ FAMLINK__V1__ENVELOPE__BODY_STATUS_REPORT, "{" M2P("01KE4B2C3D4E5F6G7H8J9K0M1Z", "17")
  "\"statusReport\":{\"referralId\":\"0180-2026-0042\",\"proposalId\":\"p-3\","
  "\"status\":\"PLACEMENT_STATUS_MEETING_PLANNED\","
  "\"note\":\"Första mötet med familjen är bokat i Sollentuna.\"}}" },
{ FAMLINK__V1__ENVELOPE__BODY_FAMILY_RETURNED, "{" M2P("01KE4B2C3D4E5F6G7H8J9K0M20", "18")
  "\"familyReturned\":{\"referralId\":\"0180-2026-0042\",\"proposalId\":\"p-3\","
  "\"reason\":\"Familjen kunde inte ta emot barnet före hösten.\"}}" },
{ FAMLINK__V1__ENVELOPE__BODY_REFERRAL_CLOSED, "{" M2P("01KE4B2C3D4E5F6G7H8J9K0M21", "19")
  "\"referralClosed\":{\"referralId\":\"0180-2026-0042\","
  "\"outcome\":\"CLOSING_OUTCOME_PLACED_WITH_PROPOSAL\",\"proposalId\":\"p-3\"}}" },
{ FAMLINK__V1__ENVELOPE__BODY_RECEIPT, "{\"messageId\":\"01KE4B2C3D4E5F6G7H8J9K0M22\","
  "\"schemaVersion\":1,\"sender\":\"pool:stockholm-nord\",\"recipient\":\"municipality:0180\","
  "\"createdAtMs\":\"1767605401000\",\"receipt\":{\"entries\":["
  "{\"messageId\":\"01KE2Q7Z9K3M5N7P9R1T3V5X7Z\",\"level\":\"RECEIPT_LEVEL_ACCEPTED\"},"
  "{\"messageId\":\"01KE2Q7Z9K3M5N7P9R1T3V5X80\",\"level\":\"RECEIPT_LEVEL_REJECTED\","
  "\"code\":\"RECEIPT_CODE_INVALID\",\"reason\":\"referral.child.alias: longer than 60 bytes (75)\"}]}}" },
{ FAMLINK__V1__ENVELOPE__BODY_HELLO, "{\"messageId\":\"01KE4B2C3D4E5F6G7H8J9K0M23\","
  "\"schemaVersion\":1,\"sender\":\"pool:stockholm-nord\",\"recipient\":\"municipality:0180\","
  "\"createdAtMs\":\"1767605300000\",\"hello\":{\"nodeId\":\"pool:stockholm-nord\","
  "\"firstUnackedSequence\":\"43\",\"software\":\"famlinkd 0.1.0\"}}" },
};

#define N_FIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

#endif
