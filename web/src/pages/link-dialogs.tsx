import { useState } from 'preact/hooks';
import { links, type Link } from '../api/api.ts';
import { describeError } from '../api/http.ts';
import { Dialog } from '../components/dialog.tsx';
import { Alert } from '../components/field.tsx';
import { LinkForm } from './link-form.tsx';

/** The QR code as the server draws it (SVG), and the PNG to download. */
export function QrCode({ link, size = 200 }: { link: Link; size?: number }) {
  return (
    <figure class="qr">
      <img src={links.qrUrl(link.code, 'svg')} width={size} height={size} alt={`QR code for ${link.shortUrl}`} />
      <figcaption>
        <a href={links.qrUrl(link.code, 'png', 512)} download={`${link.code}.png`}>
          Download PNG
        </a>
      </figcaption>
    </figure>
  );
}

export function QrDialog({ link, onClose }: { link: Link; onClose: () => void }) {
  return (
    <Dialog title={`QR code for ${link.code}`} onClose={onClose}>
      <QrCode link={link} size={256} />
      <div class="form-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

export function EditDialog({ link, onSaved, onClose }: { link: Link; onSaved: (link: Link) => void; onClose: () => void }) {
  return (
    <Dialog title={`Edit ${link.code}`} onClose={onClose} wide>
      <LinkForm link={link} onSaved={onSaved} onCancel={onClose} />
    </Dialog>
  );
}

export function DeleteDialog({ link, onDeleted, onClose }: { link: Link; onDeleted: () => void; onClose: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await links.remove(link.code);
      onDeleted();
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Delete ${link.code}?`} onClose={onClose}>
      <p>
        <strong>{link.shortUrl}</strong> will stop redirecting to <span class="break">{link.url}</span>. This cannot be undone.
      </p>
      {error && <Alert>{error}</Alert>}
      <div class="form-actions">
        {/* Cancel first, so Enter right after opening does not delete. */}
        <button type="button" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button type="button" class="button-danger" onClick={() => void remove()} disabled={busy}>
          Delete
        </button>
      </div>
    </Dialog>
  );
}
