// Package filing is the domain of the ICP filing desk: accounts, filings and
// the persons named in them, the stage machine with its one transition table,
// the materials checklist and the seed's rule checks, deadline arithmetic,
// reference and ICP-number formats, and masking of personal data.
//
// It does no I/O, so every rule here is table-tested without a database.
package filing
