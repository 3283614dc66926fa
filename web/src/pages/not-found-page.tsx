import { Page } from '../components/page.tsx';
import { Link } from '../router.tsx';

export function NotFoundPage() {
  return (
    <Page title="Page not found">
      <p>
        There is no dashboard page here. <Link to="links">Go to your links</Link>.
      </p>
    </Page>
  );
}
