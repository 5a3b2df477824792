/*
 * Identity.java: the controller's RSA instance identity and its TLS server
 * context.  A fresh RSA 2048 key pair and a self-signed X.509 v3
 * certificate over it (DER built here: the JDK has no public certificate
 * builder, and running keytool costs a second JVM); X-Instance-Identity is
 * the base64 DER SubjectPublicKeyInfo of that key.
 */
package jnagent.testctl;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.text.SimpleDateFormat;
import java.util.Base64;
import java.util.Date;
import java.util.TimeZone;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

final class Identity {
	final SSLContext ssl;
	/* base64 SPKI of the certificate's key */
	final String certKey;
	/* base64 SPKI advertised in discovery (differs with --wrong-identity) */
	final String advertisedKey;

	private Identity(SSLContext ssl, String certKey, String advertisedKey) {
		this.ssl = ssl;
		this.certKey = certKey;
		this.advertisedKey = advertisedKey;
	}

	/*
	 * cache: a PKCS12 file holding the identity key ("identity") and a
	 * second key ("other", the one --wrong-identity advertises), made on
	 * first use so that parallel tests don't each pay for two RSA key
	 * generations; null: fresh keys.
	 */
	static Identity create(boolean wrongIdentity, String cache)
	    throws IOException, GeneralSecurityException {
		char[] pass = "jnagent-test".toCharArray();
		SecureRandom rnd = new SecureRandom();
		KeyStore ks = null;
		if (cache != null && new File(cache).isFile()) {
			try (FileInputStream in = new FileInputStream(cache)) {
				ks = KeyStore.getInstance("PKCS12");
				ks.load(in, pass);
				if (!ks.isKeyEntry("identity") || !ks.isKeyEntry("other"))
					ks = null;
			} catch (IOException | GeneralSecurityException e) {
				Log.info("identity cache " + cache + " unusable: " + e);
				ks = null;
			}
		}
		if (ks == null) {
			KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
			g.initialize(2048, rnd);
			ks = KeyStore.getInstance("PKCS12");
			ks.load(null, null);
			for (String alias : new String[] { "identity", "other" }) {
				KeyPair kp = g.generateKeyPair();
				ks.setKeyEntry(alias, kp.getPrivate(), pass,
				    new Certificate[] { selfSigned(kp,
				    "jnagent test controller " + alias, rnd) });
			}
			if (cache != null) {
				File tmp = new File(cache + ".tmp" +
				    ProcessHandle.current().pid());
				try (FileOutputStream out = new FileOutputStream(tmp)) {
					ks.store(out, pass);
				}
				Files.move(tmp.toPath(), Path.of(cache),
				    StandardCopyOption.ATOMIC_MOVE,
				    StandardCopyOption.REPLACE_EXISTING);
			}
		}
		String certKey = Base64.getEncoder().encodeToString(
		    ks.getCertificate("identity").getPublicKey().getEncoded());
		String otherKey = Base64.getEncoder().encodeToString(
		    ks.getCertificate("other").getPublicKey().getEncoded());
		/* the TLS server presents only the identity */
		ks.deleteEntry("other");
		KeyManagerFactory kmf = KeyManagerFactory.getInstance(
		    KeyManagerFactory.getDefaultAlgorithm());
		kmf.init(ks, pass);
		SSLContext ctx = SSLContext.getInstance("TLS");
		ctx.init(kmf.getKeyManagers(),
		    new TrustManager[] { new AcceptAnyClient() }, rnd);
		return new Identity(ctx, certKey, wrongIdentity ? otherKey : certKey);
	}

	/* ---- a minimal DER writer ---- */

	private static byte[] tlv(int tag, byte[]... parts) {
		ByteArrayOutputStream v = new ByteArrayOutputStream();
		for (byte[] p : parts)
			v.writeBytes(p);
		int n = v.size();
		ByteArrayOutputStream o = new ByteArrayOutputStream();
		o.write(tag);
		if (n < 0x80) {
			o.write(n);
		} else if (n < 0x100) {
			o.write(0x81);
			o.write(n);
		} else if (n < 0x10000) {
			o.write(0x82);
			o.write(n >> 8);
			o.write(n);
		} else {
			o.write(0x83);
			o.write(n >> 16);
			o.write(n >> 8);
			o.write(n);
		}
		o.writeBytes(v.toByteArray());
		return o.toByteArray();
	}

	private static byte[] seq(byte[]... p) {
		return tlv(0x30, p);
	}

	private static final byte[] SHA256_RSA = seq(
	    tlv(0x06, new byte[] { 0x2a, (byte)0x86, 0x48, (byte)0x86,
	    (byte)0xf7, 0x0d, 0x01, 0x01, 0x0b }), new byte[] { 0x05, 0x00 });

	private static byte[] name(String cn) {
		byte[] atv = seq(tlv(0x06, new byte[] { 0x55, 0x04, 0x03 }),
		    tlv(0x0c, cn.getBytes(StandardCharsets.UTF_8)));
		return seq(tlv(0x31, atv));
	}

	private static byte[] time(Date d) {
		SimpleDateFormat f = new SimpleDateFormat("yyMMddHHmmss'Z'");
		f.setTimeZone(TimeZone.getTimeZone("UTC"));
		return tlv(0x17, f.format(d).getBytes(StandardCharsets.US_ASCII));
	}

	static X509Certificate selfSigned(KeyPair kp, String cn, SecureRandom rnd)
	    throws GeneralSecurityException {
		long now = System.currentTimeMillis();
		byte[] serial = new BigInteger(63, rnd).add(BigInteger.ONE).toByteArray();
		byte[] tbs = seq(
		    tlv(0xa0, tlv(0x02, new byte[] { 2 })),	/* v3 */
		    tlv(0x02, serial),
		    SHA256_RSA,
		    name(cn),
		    seq(time(new Date(now - 86400000L)),
			time(new Date(now + 3650L * 86400000L))),
		    name(cn),
		    kp.getPublic().getEncoded());
		Signature s = Signature.getInstance("SHA256withRSA");
		s.initSign(kp.getPrivate());
		s.update(tbs);
		byte[] sig = s.sign();
		byte[] bits = new byte[sig.length + 1];
		System.arraycopy(sig, 0, bits, 1, sig.length);
		byte[] der = seq(tbs, SHA256_RSA, tlv(0x03, bits));
		return (X509Certificate)CertificateFactory.getInstance("X.509")
		    .generateCertificate(new ByteArrayInputStream(der));
	}

	/* Jenkins wants (not needs) a client certificate and accepts any. */
	private static final class AcceptAnyClient implements X509TrustManager {
		@Override
		public void checkClientTrusted(X509Certificate[] chain, String a) {
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String a)
		    throws java.security.cert.CertificateException {
			throw new java.security.cert.CertificateException(
			    "server side only");
		}

		@Override
		public X509Certificate[] getAcceptedIssuers() {
			return new X509Certificate[0];
		}
	}
}
