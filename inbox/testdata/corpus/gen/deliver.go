package main

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// Auth says how the message arrives at our MX.
type Auth struct {
	NoAR   bool     // our MTA adds no Authentication-Results
	Top    []string // our MTA's Authentication-Results (value), replacing the computed pass
	Low    []string // Authentication-Results fields inside the sender's own header (forged)
	NoDKIM bool     // the sender did not sign
	Relay  *Relay   // the host that connected to our MX, replacing the provider's
	Env    string   // envelope sender, replacing From
	Sign   bool     // DKIM-sign for real with the world's key (d=example.com, s=s2026)
	Break  func([]byte) []byte
}

// Relay is the host that hands the message to our MX, and the Received
// fields its own system added before (values, topmost first; %s is the date).
type Relay struct {
	Host, IP string
	Via      []string
	Plain    bool // plain SMTP, no TLS
}

// Provider is a sending mail system: how it signs and relays.
type Provider struct {
	Domain, Selector string // DKIM d= and s=; "" does not sign
	Relay            Relay
	DMARC            string // the dmarc= comment: "(policy=none)" or "(p=none dis=none)"; "" adds no dmarc result
	SPF              bool   // the relay passes SPF for the envelope domain
}

// passAR is the result our MTA writes for mail that authenticates.
func passAR(p Provider, env, fromDomain, sigB string) string {
	var parts []string
	if p.Domain != "" && sigB != "" {
		parts = append(parts, fmt.Sprintf("dkim=pass header.d=%s header.s=%s header.b=%s", p.Domain, p.Selector, sigB))
	} else {
		parts = append(parts, "dkim=none")
	}
	if env == "" {
		// a null envelope sender: SPF is checked on the HELO name
		parts = append(parts, fmt.Sprintf("spf=pass (mx.example.cn: domain of postmaster@%s designates %s as permitted sender) smtp.helo=%s", p.Relay.Host, p.Relay.IP, p.Relay.Host))
	} else if p.SPF {
		parts = append(parts, fmt.Sprintf("spf=pass (mx.example.cn: domain of %s designates %s as permitted sender) smtp.mailfrom=%s", env, p.Relay.IP, env))
	} else {
		parts = append(parts, fmt.Sprintf("spf=none (mx.example.cn: domain of %s has no SPF policy when checking %s) smtp.mailfrom=%s", env, p.Relay.IP, env))
	}
	dmarc := p.DMARC
	if env == "" && sigB == "" && dmarc != "" {
		dmarc = "none"
	}
	switch dmarc {
	case "":
	case "none":
		parts = append(parts, "dmarc=none header.from="+fromDomain)
	default:
		parts = append(parts, fmt.Sprintf("dmarc=pass %s header.from=%s", dmarc, fromDomain))
	}
	return "mx.example.cn;\r\n\t" + strings.Join(parts, ";\r\n\t")
}

func domainOf(a string) string {
	_, d, _ := strings.Cut(a, "@")
	return d
}

// fakeDKIM is a provider's DKIM-Signature field value (not verifiable: our
// MTA's Authentication-Results speaks for it).
func fakeDKIM(p Provider, seed string, t time.Time, h string) (string, string) {
	b := fakeB64(seed+"/dkim-b", 128)
	bh := fakeB64(seed+"/dkim-bh", 32)
	v := fmt.Sprintf("v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=%s;\r\n\tt=%d; bh=%s;\r\n\th=%s;\r\n\tb=%s\r\n\t %s",
		p.Domain, p.Selector, t.Unix(), bh, h, b[:76], b[76:])
	return v, b[:8]
}

// deliver adds what our MX (Postfix, with rspamd) and Dovecot add, and the
// provider's signature and Received fields, to the message as the client
// wrote it.
func deliver(seed string, p Provider, a Auth, from string, date time.Time, client []byte) []byte {
	relay := p.Relay
	if a.Relay != nil {
		relay = *a.Relay
	}
	env := from
	if a.Env != "" {
		env = a.Env
	}
	if a.Env == "<>" {
		env = ""
	}
	signed := client
	var sigB string
	if a.Sign {
		signed = dkimSign(client, date)
		if a.Break != nil {
			signed = a.Break(signed)
		}
	} else if p.Domain != "" && !a.NoDKIM {
		v, b := fakeDKIM(p, seed, date, "From:To:Subject:Date:Message-ID:In-Reply-To:References:Content-Type:MIME-Version")
		sigB = b
		signed = append([]byte("DKIM-Signature: "+v+"\r\n"), client...)
	}
	var h Header
	h.Add("Return-Path", "<"+env+">")
	h.Add("Delivered-To", "icp@example.cn")
	t1 := date.Add(3 * time.Second).In(cst)
	t2 := date.Add(4 * time.Second).In(cst)
	h.Add("Received", fmt.Sprintf("from mx.example.cn\r\n\tby mail.example.cn with LMTP\r\n\tid %s\r\n\t(envelope-from <%s>)\r\n\tfor <icp@example.cn>; %s",
		rnd(seed+"/lmtp", 22, alnum), env, rfcDate0(t2)))
	if !a.NoAR {
		if a.Top != nil {
			for _, v := range a.Top {
				h.Add("Authentication-Results", v)
			}
		} else {
			pp := p
			if a.Relay != nil {
				pp.Relay = *a.Relay
			}
			h.Add("Authentication-Results", passAR(pp, env, domainOf(from), sigB))
		}
	}
	tls := "\r\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\r\n\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\r\n\t(No client certificate requested)"
	with := "ESMTPS"
	if relay.Plain {
		tls, with = "", "ESMTP"
	}
	h.Add("Received", fmt.Sprintf("from %s (%s [%s])%s\r\n\tby mx.example.cn (Postfix) with %s id %s\r\n\tfor <icp@example.cn>; %s",
		relay.Host, relay.Host, relay.IP, tls, with, "4"+rnd(seed+"/qid", 11, "BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789"), postfixDate(t1)))
	for _, v := range relay.Via {
		if strings.Contains(v, "%s") {
			v = fmt.Sprintf(v, rfcDate(date.Add(time.Second)))
		}
		h.Add("Received", v)
	}
	for _, v := range a.Low {
		h.Add("Authentication-Results", v)
	}
	var b bytes.Buffer
	b.Write(h.Bytes())
	b.Write(signed)
	return b.Bytes()
}
